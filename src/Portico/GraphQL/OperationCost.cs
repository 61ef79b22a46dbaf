namespace Portico.GraphQL;

/// <summary>
/// The cost of an operation: the sum of its selected fields' costs, fragments expanded, each field 1 unless the route
/// sets another (<c>fieldCosts</c>). Introspection and <c>__typename</c> cost nothing.
/// </summary>
internal static class OperationCost
{
    public static long Of(Supergraph graph, IReadOnlyDictionary<string, int> costs, NormalizedOperation operation) =>
        Sum(graph, costs, operation.RootType, operation.Selections);

    private static long Sum(Supergraph graph, IReadOnlyDictionary<string, int> costs, string type, IReadOnlyList<SelectionNode> selections)
    {
        long total = 0;
        foreach (var selection in selections)
        {
            if (selection.IsFragment)
            {
                total += Sum(graph, costs, selection.TypeCondition ?? type, selection.Children);
                continue;
            }

            if (selection.FieldName.StartsWith("__", StringComparison.Ordinal) || graph.Field(type, selection.FieldName) is not { } field)
            {
                continue;
            }

            total += costs.TryGetValue(type + "." + field.Name, out var cost) ? cost : 1;
            total += Sum(graph, costs, field.NamedType, selection.Children);
        }

        return total;
    }
}
