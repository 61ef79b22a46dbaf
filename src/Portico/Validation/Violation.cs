namespace Portico.Validation;

/// <summary>
/// One rule a request broke: where (<c>path</c>, <c>query</c>, <c>header</c> or <c>body</c>), which parameter or JSON
/// pointer, and what is wrong. Nothing in it is copied from the request beyond a bounded parameter name or pointer.
/// </summary>
/// <param name="In">Where the value is: <c>path</c>, <c>query</c> or <c>body</c>.</param>
/// <param name="Name">The parameter's name, or the JSON pointer into the body (RFC 6901; empty for the whole body).</param>
/// <param name="Message">What is wrong, in a phrase.</param>
internal readonly record struct Violation(string In, string Name, string Message);
