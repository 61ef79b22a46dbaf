namespace Portico.GraphQL;

/// <summary>A planned operation: the tree of subgraph fetches and the selections the answer is shaped by. Immutable once built.</summary>
internal sealed class QueryPlan(NormalizedOperation operation, IReadOnlyList<FetchNode> roots, long cost)
{
    public NormalizedOperation Operation { get; } = operation;

    /// <summary>Fetches that need nothing from another fetch; those of a query run in parallel, those of a mutation in order.</summary>
    public IReadOnlyList<FetchNode> Roots { get; } = roots;

    /// <summary>The operation's cost (<see cref="OperationCost"/>), computed once when planned.</summary>
    public long Cost { get; } = cost;

    /// <summary>Whether a list size in the cost reads a variable: the cost is then computed again for each request.</summary>
    public bool CostReadsVariables { get; init; }

    public bool IsMutation => Operation.RootType == Supergraph.MutationType;

    /// <summary>How many fetches the plan has (each a subgraph call, or a group of deduplicated REST calls).</summary>
    public int FetchCount => Roots.Sum(r => r.Descendants().Count());
}
