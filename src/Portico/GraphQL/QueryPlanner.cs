using System.Text;

namespace Portico.GraphQL;

/// <summary>
/// Plans a normalized operation into a tree of subgraph fetches. Root fields are grouped by the subgraph that
/// resolves them (one fetch per subgraph for a query, one per field in order for a mutation). Within a fetch, a
/// field its subgraph cannot resolve becomes an entity fetch to one that can, keyed by the entity's <c>@key</c> (or a
/// REST field's parent placeholders), which the parent fetch then also selects. Entity fetches to one subgraph from
/// one parent fetch share one call, so a list of parents costs one <c>_entities</c> call, not one per item.
/// </summary>
internal sealed class QueryPlanner(Supergraph graph)
{
    private const string RepresentationsVariable = SelectionNode.InternalPrefix + "representations";

    private string? _error;

    /// <summary>
    /// The plan of <paramref name="operation"/>, whose cost is <paramref name="cost"/> (which depends on the request's
    /// variables when <paramref name="costReadsVariables"/>); null with <paramref name="error"/> when no subgraph can
    /// resolve part of it.
    /// </summary>
    public QueryPlan? Plan(NormalizedOperation operation, long cost, bool costReadsVariables, out string? error)
    {
        var roots = new List<FetchNode>();
        var mutation = operation.RootType == Supergraph.MutationType;
        foreach (var selection in operation.Selections)
        {
            if (selection.FieldName.StartsWith("__", StringComparison.Ordinal))
            {
                continue; // __typename, __schema and __type are answered by the gateway
            }

            var field = graph.Field(operation.RootType, selection.FieldName)!;
            var subgraph = field.Subgraphs.FirstOrDefault(s => !mutation && roots.Any(r => r.Subgraph == s)) ?? field.Subgraphs[0];
            var fetch = mutation ? null : roots.FirstOrDefault(r => r.Subgraph == subgraph);
            if (fetch is null)
            {
                fetch = new FetchNode(subgraph, isEntity: false);
                roots.Add(fetch);
            }

            if (subgraph.Kind == SubgraphKind.Rest)
            {
                fetch.Selections.Add(PlanRestField(fetch, subgraph, operation.RootType, selection, []));
            }
            else
            {
                fetch.Selections.AddRange(PlanSelections(fetch, subgraph, operation.RootType, [selection], []));
            }
        }

        error = _error;
        if (error is not null)
        {
            return null;
        }

        foreach (var fetch in roots.SelectMany(r => r.Descendants()).Where(f => f.Subgraph.Kind != SubgraphKind.Rest))
        {
            Print(fetch, operation);
        }

        return new QueryPlan(operation, roots, cost) { CostReadsVariables = costReadsVariables };
    }

    /// <summary>
    /// The selections <paramref name="subgraph"/> answers in <paramref name="fetch"/>; the others become entity fetches.
    /// <paramref name="provided"/> are fields the subgraph returns here though it marks them <c>@external</c> (the
    /// <c>@provides</c> of the field above); <paramref name="requiresMet"/> is a field whose <c>@requires</c> the
    /// representations of this entity fetch carry.
    /// </summary>
    private List<SelectionNode> PlanSelections(FetchNode fetch, Subgraph subgraph, string parentType, IReadOnlyList<SelectionNode> selections, string[] path, string[]? provided = null, string? requiresMet = null)
    {
        provided ??= [];
        var local = new List<SelectionNode>();
        var type = graph.Types[parentType];
        if (type.IsAbstract)
        {
            AddOnce(local, SelectionNode.Internal(SelectionNode.TypeKey, "__typename"));
        }

        foreach (var selection in selections)
        {
            if (selection.IsFragment)
            {
                var condition = selection.TypeCondition ?? parentType;
                if (graph.Types[condition].DefinedIn.Contains(subgraph.Name))
                {
                    local.Add(selection.WithChildren(PlanSelections(fetch, subgraph, condition, selection.Children, path, provided, requiresMet)));
                }

                continue; // objects of a type the subgraph does not know never come from it
            }

            if (selection.FieldName == "__typename")
            {
                local.Add(selection);
                continue;
            }

            var field = graph.Field(parentType, selection.FieldName)!;
            if (ResolvesLocally(subgraph, parentType, field) || provided.Contains(field.Name)
                || (field.Name == requiresMet && Resolves(subgraph, parentType, field)))
            {
                local.Add(graph.Types[field.NamedType].IsComposite
                    ? selection.WithChildren(PlanSelections(fetch, subgraph, field.NamedType, selection.Children, [.. path, selection.ResponseKey], field.Provides.GetValueOrDefault(subgraph.Name)))
                    : selection);
                continue;
            }

            PlanEntityJump(fetch, subgraph, type, field, selection, path, local, provided);
        }

        return local;
    }

    /// <summary>A field of an object from <paramref name="subgraph"/> that another subgraph resolves: an entity fetch.</summary>
    private void PlanEntityJump(FetchNode fetch, Subgraph subgraph, SupergraphType type, SupergraphField field, SelectionNode selection, string[] path, List<SelectionNode> local, string[] provided)
    {
        if (type.Kind != SupergraphTypeKind.Object)
        {
            Fail($"subgraph '{subgraph.Name}' does not resolve '{type.Name}.{field.Name}', and '{type.Name}' is abstract: select the field in a fragment on an object type");
            return;
        }

        var target = field.Subgraphs.FirstOrDefault(s => CanEnter(s, type, field));
        if (target is null)
        {
            Fail($"'{type.Name}.{field.Name}' cannot be reached from objects of subgraph '{subgraph.Name}': no subgraph resolving it has an @key on '{type.Name}'");
            return;
        }

        // A federated target reads the entity's key, and the fields its @requires names, from the representation.
        var required = target.Kind == SubgraphKind.Rest
            ? target.RestFor(type.Name, field.Name)!.ParentFields
            : [.. type.Keys[target.Name].Concat(field.Requires.GetValueOrDefault(target.Name) ?? []).Distinct()];
        foreach (var key in required)
        {
            var available = provided.Contains(key) || (type.Fields.TryGetValue(key, out var keyField) && ResolvesLocally(subgraph, type.Name, keyField));
            if (!available)
            {
                Fail($"subgraph '{subgraph.Name}' does not provide '{type.Name}.{key}', which subgraph '{target.Name}' needs to resolve '{type.Name}.{field.Name}'");
                return;
            }

            AddOnce(local, SelectionNode.Internal(SelectionNode.KeyAlias(key), key));
        }

        AddOnce(local, SelectionNode.Internal(SelectionNode.TypeKey, "__typename"));
        var child = fetch.ChildFor(target);
        var entityTarget = child.TargetFor(path, type.Name, required);
        if (target.Kind == SubgraphKind.Rest)
        {
            entityTarget.Selections.Add(PlanRestField(child, target, type.Name, selection, path));
        }
        else
        {
            entityTarget.Selections.AddRange(PlanSelections(child, target, type.Name, [selection], path, requiresMet: field.Name));
        }
    }

    /// <summary>A field a REST call resolves: its sub-selections are read from the call's JSON answer.</summary>
    private SelectionNode PlanRestField(FetchNode fetch, Subgraph subgraph, string parentType, SelectionNode selection, string[] path)
    {
        var field = graph.Field(parentType, selection.FieldName)!;
        if (subgraph.RestFor(parentType, field.Name) is null)
        {
            Fail($"subgraph '{subgraph.Name}' has no REST call for '{parentType}.{field.Name}'");
            return selection;
        }

        return graph.Types[field.NamedType].IsComposite
            ? selection.WithChildren(PlanSelections(fetch, subgraph, field.NamedType, selection.Children, [.. path, selection.ResponseKey]))
            : selection;
    }

    /// <summary>Whether <paramref name="subgraph"/> resolves the field in a GraphQL document (a REST field needs its own call).</summary>
    private static bool Resolves(Subgraph subgraph, string parentType, SupergraphField field) =>
        field.Subgraphs.Contains(subgraph) && subgraph.RestFor(parentType, field.Name) is null;

    /// <summary>
    /// Whether <paramref name="subgraph"/> returns the field with the object itself: it resolves it and needs nothing
    /// from elsewhere (a field with <c>@requires</c> in it is resolved through <c>_entities</c>, with the required fields).
    /// </summary>
    private static bool ResolvesLocally(Subgraph subgraph, string parentType, SupergraphField field) =>
        Resolves(subgraph, parentType, field) && !field.Requires.ContainsKey(subgraph.Name);

    private static bool CanEnter(Subgraph subgraph, SupergraphType type, SupergraphField field) => subgraph.Kind switch
    {
        SubgraphKind.Federated => type.Keys.ContainsKey(subgraph.Name) && Resolves(subgraph, type.Name, field),
        SubgraphKind.Rest => subgraph.RestFor(type.Name, field.Name) is not null,
        _ => false,
    };

    private static void AddOnce(List<SelectionNode> local, SelectionNode selection)
    {
        if (!local.Any(s => s.ResponseKey == selection.ResponseKey && !s.IsFragment))
        {
            local.Add(selection);
        }
    }

    private void Fail(string message) => _error ??= message;

    /// <summary>Prints the document a GraphQL subgraph receives for <paramref name="fetch"/>, declaring the variables it reads.</summary>
    private static void Print(FetchNode fetch, NormalizedOperation operation)
    {
        var variables = new SortedSet<string>(StringComparer.Ordinal);
        var body = new StringBuilder();
        if (fetch.IsEntity)
        {
            body.Append("{ _entities(representations: $").Append(RepresentationsVariable).Append(") { ").Append(SelectionNode.TypeKey).Append(": __typename");
            foreach (var target in fetch.Targets)
            {
                body.Append(" ... on ").Append(target.TypeName);
                PrintSet(body, target.Selections, variables);
            }

            body.Append(" } }");
        }
        else
        {
            PrintSet(body, fetch.Selections, variables);
        }

        var document = new StringBuilder(fetch.IsEntity ? "query" : operation.Keyword);
        var definitions = variables.Select(v => operation.VariableDefinitions[v]).ToList();
        if (fetch.IsEntity)
        {
            definitions.Insert(0, "$" + RepresentationsVariable + ": [_Any!]!");
        }

        if (definitions.Count > 0)
        {
            document.Append('(').AppendJoin(", ", definitions).Append(')');
        }

        fetch.Document = document.Append(' ').Append(body).ToString();
        fetch.Variables = [.. variables];
    }

    private static void PrintSet(StringBuilder text, IReadOnlyList<SelectionNode> selections, SortedSet<string> variables)
    {
        text.Append(" {");
        if (selections.Count == 0)
        {
            text.Append(" __typename");
        }

        foreach (var selection in selections)
        {
            variables.UnionWith(selection.Variables);
            text.Append(' ');
            if (selection.IsFragment)
            {
                text.Append("...");
                if (selection.TypeCondition is { } condition)
                {
                    text.Append(" on ").Append(condition);
                }

                text.Append(selection.DirectivesText);
                PrintSet(text, selection.Children, variables);
                continue;
            }

            if (selection.ResponseKey != selection.FieldName)
            {
                text.Append(selection.ResponseKey).Append(": ");
            }

            text.Append(selection.FieldName).Append(selection.ArgumentsText).Append(selection.DirectivesText);
            if (selection.HasSelectionSet)
            {
                PrintSet(text, selection.Children, variables);
            }
        }

        text.Append(" }");
    }
}
