namespace Portico.Configuration;

/// <summary>
/// Persisted queries of a GraphQL route (docs/graphql.md#persisted-queries): documents known by their SHA-256, which
/// clients send instead of the text.
/// </summary>
public sealed record GraphQLPersistedQueriesDefinition
{
    /// <summary>
    /// <c>apq</c>: automatic persisted queries, clients register documents by sending them once with their hash;
    /// <c>allowList</c>: only the documents listed here run, whether sent by hash or in full.
    /// </summary>
    public required string Mode { get; init; }

    /// <summary>Documents known in advance, keyed by the lowercase hex SHA-256 of their text.</summary>
    public IReadOnlyDictionary<string, string>? Documents { get; init; }
}
