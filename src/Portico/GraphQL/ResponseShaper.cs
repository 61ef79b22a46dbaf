using System.Text.Json.Nodes;

namespace Portico.GraphQL;

/// <summary>
/// Builds the client's <c>data</c> from the merged answers, walking the client's own selections: only the response
/// keys it asked for, <c>@skip</c>/<c>@include</c> applied, fragments applied by the object's concrete type, and a null
/// in a non-null field making its nearest nullable parent null (GraphQL spec §6.4.4).
/// </summary>
internal sealed class ResponseShaper(Supergraph graph, JsonObject? variables)
{
    /// <summary>The client's data; null when a non-null root field is missing.</summary>
    public JsonObject? Shape(NormalizedOperation operation, JsonObject data)
    {
        var output = new JsonObject();
        return Object(operation.Selections, data, operation.RootType, output) ? output : null;
    }

    /// <summary>Whether every <c>@include</c> of <paramref name="selection"/> is true and every <c>@skip</c> false.</summary>
    public static bool IsIncluded(SelectionNode selection, JsonObject? variables)
    {
        foreach (var condition in selection.Conditions)
        {
            var value = condition.Literal;
            if (condition.Variable is { } name)
            {
                value = variables?[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
            }

            if (value != condition.Include)
            {
                return false;
            }
        }

        return true;
    }

    private bool Object(IReadOnlyList<SelectionNode> selections, JsonObject source, string concrete, JsonObject output)
    {
        foreach (var selection in selections)
        {
            if (!IsIncluded(selection, variables))
            {
                continue;
            }

            if (selection.IsFragment)
            {
                if (graph.Satisfies(concrete, selection.TypeCondition ?? concrete) && !Object(selection.Children, source, concrete, output))
                {
                    return false;
                }

                continue;
            }

            if (selection.FieldName == "__typename")
            {
                output[selection.ResponseKey] = concrete;
                continue;
            }

            if (selection.FieldName is "__schema" or "__type")
            {
                continue;
            }

            var field = graph.Field(concrete, selection.FieldName);
            if (field is null)
            {
                continue;
            }

            var (value, violated) = Value(field.TypeText, selection, source[selection.ResponseKey]);
            if (violated)
            {
                return false;
            }

            if (output[selection.ResponseKey] is JsonObject existing && value is JsonObject more)
            {
                JsonTree.Merge(existing, more); // the same field selected in two fragments
            }
            else
            {
                output[selection.ResponseKey] = value;
            }
        }

        return true;
    }

    private (JsonNode? Value, bool Violated) Value(string typeText, SelectionNode selection, JsonNode? value)
    {
        var nonNull = typeText.EndsWith('!');
        var inner = nonNull ? typeText[..^1] : typeText;
        if (value is null)
        {
            return (null, nonNull);
        }

        if (inner.StartsWith('['))
        {
            if (value is not JsonArray list)
            {
                return (null, nonNull);
            }

            var items = new JsonArray();
            foreach (var item in list)
            {
                var (shaped, violated) = Value(inner[1..^1], selection, item);
                if (violated)
                {
                    return (null, nonNull);
                }

                items.Add(shaped);
            }

            return (items, false);
        }

        if (!graph.Types.TryGetValue(inner, out var type) || !type.IsComposite)
        {
            return (value.DeepClone(), false);
        }

        if (value is not JsonObject obj)
        {
            return (null, nonNull);
        }

        var concrete = type.Kind == SupergraphTypeKind.Object ? inner
            : obj[SelectionNode.TypeKey] is JsonValue t && t.TryGetValue<string>(out var name) ? name : null;
        if (concrete is null)
        {
            return (null, nonNull);
        }

        var output = new JsonObject();
        return Object(selection.Children, obj, concrete, output) ? (output, false) : (null, nonNull);
    }
}
