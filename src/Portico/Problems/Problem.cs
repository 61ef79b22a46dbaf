namespace Portico.Problems;

/// <summary>
/// A kind of error answer: its HTTP status, a stable code clients can branch on, and a title.
/// The RFC 9457 <c>type</c> is <c>urn:portico:problem:{code}</c>; docs/problems.md lists every code.
/// </summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Code">Stable, kebab-case identifier.</param>
/// <param name="Title">Short human-readable summary; the same for every occurrence.</param>
public sealed record Problem(int Status, string Code, string Title)
{
    /// <summary>The RFC 9457 problem type URI.</summary>
    public string Type { get; } = "urn:portico:problem:" + Code;
}
