using System.Collections.Concurrent;
using GraphQL.Types;

namespace Portico.GraphQL;

/// <summary>What one GraphQL route holds for a snapshot: the composed schema, its limits and its plan cache.</summary>
internal sealed class GraphQLRouteState(string routeId, Supergraph graph, ISchema schema, GraphQLRuntime runtime)
{
    public string RouteId { get; } = routeId;

    public Supergraph Graph { get; } = graph;

    /// <summary>The composed schema as GraphQL.NET reads it, for validation and introspection.</summary>
    public ISchema Schema { get; } = schema;

    public GraphQLRuntime Runtime { get; } = runtime;

    public TimeSpan Timeout { get; init; } = GraphQLLimits.DefaultTimeout;

    public int MaxDepth { get; init; } = GraphQLLimits.DefaultMaxDepth;

    public int MaxAliases { get; init; } = GraphQLLimits.DefaultMaxAliases;

    public bool Introspection { get; init; } = true;

    public bool MaskErrors { get; init; }

    /// <summary>The largest cost an operation may have; null for no limit.</summary>
    public int? MaxCost { get; init; }

    /// <summary>How list fields multiply the cost of their selections, keyed <c>Type.field</c> (<c>listSizes</c>).</summary>
    public IReadOnlyDictionary<string, ListSizeRule> ListSizes { get; init; } = new Dictionary<string, ListSizeRule>();

    /// <summary>The size every other list field is counted as (<c>defaultListSize</c>); null to count lists once.</summary>
    public long? DefaultListSize { get; init; }

    /// <summary>Whether the route's rate-limit policies count an operation's cost instead of 1 (<c>rateLimitBy: "cost"</c>).</summary>
    public bool RateLimitByCost { get; init; }

    /// <summary>Field costs other than 1, keyed <c>Type.field</c>.</summary>
    public IReadOnlyDictionary<string, int> FieldCosts { get; init; } = new Dictionary<string, int>();

    /// <summary>The route's persisted documents.</summary>
    public PersistedQueries PersistedQueries { get; init; } = new(PersistedQueryMode.Off, new Dictionary<string, string>());

    /// <summary>Plans by document and operation name; a document's plan is the same for every request of the snapshot.</summary>
    public ConcurrentDictionary<(string Document, string? OperationName), QueryPlan> Plans { get; } = new();
}
