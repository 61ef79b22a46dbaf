namespace Portico.GraphQL;

/// <summary>
/// One call (or, for REST subgraphs, one group of calls) to a subgraph in a <see cref="QueryPlan"/>. Root fetches
/// resolve root fields; entity fetches add fields to objects an earlier fetch returned, and run after it. Children
/// of one fetch run in parallel once it is done: one entity fetch per subgraph and plan step.
/// </summary>
internal sealed class FetchNode(Subgraph subgraph, bool isEntity)
{
    public Subgraph Subgraph { get; } = subgraph;

    public bool IsEntity { get; } = isEntity;

    /// <summary>The root fields a root fetch resolves (as planned for its subgraph).</summary>
    public List<SelectionNode> Selections { get; } = [];

    /// <summary>The objects an entity fetch adds fields to.</summary>
    public List<EntityTarget> Targets { get; } = [];

    /// <summary>The fetches that read this one's answer.</summary>
    public List<FetchNode> Children { get; } = [];

    /// <summary>The GraphQL document sent to a GraphQL subgraph; null for REST subgraphs.</summary>
    public string? Document { get; set; }

    /// <summary>The operation's variables the document reads.</summary>
    public string[] Variables { get; set; } = [];

    /// <summary>The entity fetch to <paramref name="subgraph"/> under this fetch, created on first use.</summary>
    public FetchNode ChildFor(Subgraph subgraph)
    {
        var child = Children.FirstOrDefault(c => c.Subgraph == subgraph);
        if (child is null)
        {
            child = new FetchNode(subgraph, isEntity: true);
            Children.Add(child);
        }

        return child;
    }

    /// <summary>
    /// The target at <paramref name="path"/> for <paramref name="typeName"/>, created on first use, reading at least
    /// <paramref name="required"/> (one target per path and type: its selections apply to every representation).
    /// </summary>
    public EntityTarget TargetFor(string[] path, string typeName, string[] required)
    {
        var target = Targets.FirstOrDefault(t => t.TypeName == typeName && t.Path.SequenceEqual(path));
        if (target is null)
        {
            target = new EntityTarget(path, typeName, required);
            Targets.Add(target);
        }
        else
        {
            target.Require(required);
        }

        return target;
    }

    /// <summary>Every fetch of the tree under and including this one.</summary>
    public IEnumerable<FetchNode> Descendants() => Children.SelectMany(c => c.Descendants()).Prepend(this);
}
