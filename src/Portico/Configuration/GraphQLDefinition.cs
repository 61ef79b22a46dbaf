namespace Portico.Configuration;

/// <summary>
/// A GraphQL route's target: one GraphQL endpoint over several subgraphs (GraphQL services and REST-backed fields),
/// composed into one schema when the registry is loaded and planned per operation (docs/graphql.md).
/// </summary>
public sealed record GraphQLDefinition
{
    /// <summary>The services the composed schema is made of, in order of preference when several resolve a field.</summary>
    public required IReadOnlyList<GraphQLSubgraphDefinition> Subgraphs { get; init; }

    /// <summary>The deadline of one operation (every subgraph fetch), as a duration such as <c>5s</c>. Default 30s, at most 225s.</summary>
    public string? Timeout { get; init; }

    /// <summary>Deepest field nesting an operation may have (fragments expanded). Default 15.</summary>
    public int? MaxDepth { get; init; }

    /// <summary>Most aliases an operation may use (fragments expanded). Default 30.</summary>
    public int? MaxAliases { get; init; }

    /// <summary>Largest cost an operation may have: the sum of its fields' costs (fragments expanded). Unlimited when absent.</summary>
    public int? MaxCost { get; init; }

    /// <summary>The cost of fields, keyed <c>Type.field</c>; every other field costs 1.</summary>
    public IReadOnlyDictionary<string, int>? FieldCosts { get; init; }

    /// <summary>How list fields multiply the cost of their selections, keyed <c>Type.field</c>.</summary>
    public IReadOnlyDictionary<string, GraphQLListSizeDefinition>? ListSizes { get; init; }

    /// <summary>The size every list field without a <see cref="ListSizes"/> entry is counted as; lists count once when absent.</summary>
    public int? DefaultListSize { get; init; }

    /// <summary>
    /// What the route's rate-limit policies count for an operation: <c>requests</c> (default), one token per request;
    /// <c>cost</c>, the operation's cost (at least one token).
    /// </summary>
    public string? RateLimitBy { get; init; }

    /// <summary>Persisted queries: automatic persisted queries, or an allow-list of documents; off when absent.</summary>
    public GraphQLPersistedQueriesDefinition? PersistedQueries { get; init; }

    /// <summary>Whether clients may query <c>__schema</c> and <c>__type</c>. Default true.</summary>
    public bool? Introspection { get; init; }

    /// <summary>
    /// What clients see of subgraph errors: <c>pass</c> (default) passes message, path and extensions on; <c>mask</c>
    /// keeps only the path and replaces the message.
    /// </summary>
    public string? SubgraphErrors { get; init; }
}
