namespace Portico.Configuration;

/// <summary>
/// Rules a request filter does not apply: <see cref="Rules"/> (rule ids such as <c>sqli-02</c>, or categories such
/// as <c>xss</c>) on <see cref="Targets"/> (<c>path</c>, <c>request</c>, <c>query:NAME</c>, <c>body:NAME</c>,
/// <c>header:NAME</c>, <c>cookie:NAME</c>; <c>*</c> for every name), or everywhere when no target is named.
/// </summary>
public sealed record WafExclusionDefinition
{
    /// <summary>Rule ids or categories; at least one.</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    /// <summary>Where the rules are not applied; everywhere when empty or absent.</summary>
    public IReadOnlyList<string>? Targets { get; init; }
}
