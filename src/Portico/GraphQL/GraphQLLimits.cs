namespace Portico.GraphQL;

/// <summary>Defaults and bounds of GraphQL routes (docs/graphql.md).</summary>
internal static class GraphQLLimits
{
    public const int DefaultMaxDepth = 15;
    public const int DefaultMaxAliases = 30;

    /// <summary>Plans kept per route; the cache is emptied when full (a plan costs one parse, validation and planning to rebuild).</summary>
    public const int MaxCachedPlans = 1000;

    /// <summary>Largest answer read from one subgraph call.</summary>
    public const int MaxSubgraphResponseSize = 8 * 1024 * 1024;

    /// <summary>Largest GraphQL document accepted.</summary>
    public const int MaxDocumentLength = 64 * 1024;

    /// <summary>Largest configured list size (<c>assumedSize</c>, <c>defaultListSize</c>).</summary>
    public const int MaxListSize = 1_000_000;

    /// <summary>How long reading every introspected subgraph schema of a route may take when the registry is loaded.</summary>
    public static readonly TimeSpan IntrospectionTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
}
