namespace Portico.GraphQL;

/// <summary>An <c>@include</c> or <c>@skip</c> on a selection: a literal or a variable, evaluated per request.</summary>
internal readonly record struct SelectionCondition(bool Include, string? Variable, bool Literal);
