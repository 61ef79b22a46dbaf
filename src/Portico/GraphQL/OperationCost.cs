using System.Text.Json.Nodes;
using GraphQLParser.AST;

namespace Portico.GraphQL;

/// <summary>
/// The cost of an operation (docs/graphql.md#protection): each selected field costs 1 unless the route sets another
/// (<c>fieldCosts</c>), fragments expanded; introspection and <c>__typename</c> cost nothing. The selections under a
/// list field count once per item it is assumed to return (<c>listSizes</c>, <c>defaultListSize</c>; see
/// <see cref="ListSizeRule"/>), so <c>{ users(first: 50) { name } }</c> costs 1 + 50 × 1. Sums saturate at
/// <see cref="Ceiling"/>: no operation, however nested, overflows.
/// </summary>
internal static class OperationCost
{
    /// <summary>The largest cost computed; any costlier operation is counted as this.</summary>
    public const long Ceiling = 1_000_000_000_000_000;

    /// <summary>
    /// The cost of <paramref name="operation"/> with <paramref name="variables"/>; <paramref name="readsVariables"/> tells
    /// whether a list size came from a variable, so that the same document may cost differently on another request.
    /// </summary>
    public static long Of(GraphQLRouteState state, NormalizedOperation operation, JsonObject? variables, out bool readsVariables)
    {
        readsVariables = false;
        return Sum(state, operation, variables, operation.RootType, operation.Selections, ref readsVariables);
    }

    private static long Sum(GraphQLRouteState state, NormalizedOperation operation, JsonObject? variables, string type, IReadOnlyList<SelectionNode> selections, ref bool readsVariables)
    {
        long total = 0;
        foreach (var selection in selections)
        {
            if (selection.IsFragment)
            {
                total = Add(total, Sum(state, operation, variables, selection.TypeCondition ?? type, selection.Children, ref readsVariables));
                continue;
            }

            if (selection.FieldName.StartsWith("__", StringComparison.Ordinal) || state.Graph.Field(type, selection.FieldName) is not { } field)
            {
                continue;
            }

            var key = type + "." + field.Name;
            total = Add(total, state.FieldCosts.TryGetValue(key, out var cost) ? cost : 1);
            var rule = state.ListSizes.GetValueOrDefault(key)
                ?? (state.DefaultListSize is { } assumed && field.TypeText.StartsWith('[') ? new ListSizeRule(assumed, [], []) : null);
            if (rule is null)
            {
                total = Add(total, Sum(state, operation, variables, field.NamedType, selection.Children, ref readsVariables));
                continue;
            }

            var size = Size(rule, selection, operation, variables, state.DefaultListSize, ref readsVariables);
            if (rule.SizedFields.Length == 0)
            {
                total = Add(total, Multiply(size, Sum(state, operation, variables, field.NamedType, selection.Children, ref readsVariables)));
                continue;
            }

            // A connection: only its sized fields (edges, nodes) are the list.
            foreach (var child in selection.Children)
            {
                var childCost = Sum(state, operation, variables, field.NamedType, [child], ref readsVariables);
                total = Add(total, !child.IsFragment && rule.SizedFields.Contains(child.FieldName) ? Multiply(size, childCost) : childCost);
            }
        }

        return total;
    }

    /// <summary>The largest slicing argument the selection gives (literal, variable or the variable's default), else the assumed size.</summary>
    private static long Size(ListSizeRule rule, SelectionNode selection, NormalizedOperation operation, JsonObject? variables, long? defaultListSize, ref bool readsVariables)
    {
        long? size = null;
        foreach (var argument in selection.Arguments?.Items ?? [])
        {
            if (!rule.SlicingArguments.Contains(argument.Name.StringValue))
            {
                continue;
            }

            long? value = null;
            if (argument.Value is GraphQLVariable variable)
            {
                readsVariables = true;
                var name = variable.Name.StringValue;
                if (variables is not null && variables.TryGetPropertyValue(name, out var given))
                {
                    value = given is JsonValue number && number.TryGetValue<long>(out var n) ? n : null;
                }
                else if (operation.VariableDefaults.TryGetValue(name, out var fallback))
                {
                    value = Literal(fallback);
                }
            }
            else
            {
                value = Literal(argument.Value);
            }

            if (value is { } v)
            {
                size = Math.Max(size ?? 0, Math.Max(0, v));
            }
        }

        return size ?? (rule.AssumedSize >= 0 ? rule.AssumedSize : defaultListSize ?? 1);
    }

    private static long? Literal(GraphQLValue value) =>
        value is GraphQLIntValue integer && long.TryParse(integer.Value, out var n) ? n : null;

    private static long Add(long a, long b) => Math.Min(Ceiling, a + b);

    private static long Multiply(long size, long cost) =>
        size == 0 || cost == 0 ? 0 : size > Ceiling / cost ? Ceiling : Math.Min(Ceiling, size * cost);
}
