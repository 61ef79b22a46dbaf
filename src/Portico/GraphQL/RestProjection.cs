using System.Text.Json.Nodes;

namespace Portico.GraphQL;

/// <summary>
/// Reads a REST answer as the value of a GraphQL field: members are taken by field name and written under the
/// selection's response keys (aliases and the gateway's own key fields), so the answer merges like a subgraph's.
/// An object's concrete type is its <c>__typename</c> member, or the field's type when that is an object type.
/// </summary>
internal static class RestProjection
{
    public static JsonNode? Project(Supergraph graph, JsonNode? json, string parentType, SelectionNode selection)
    {
        var field = graph.Field(parentType, selection.FieldName)!;
        return Value(graph, json, field.NamedType, selection.Children);
    }

    private static JsonNode? Value(Supergraph graph, JsonNode? json, string namedType, IReadOnlyList<SelectionNode> children)
    {
        switch (json)
        {
            case null:
                return null;
            case JsonArray list:
                return new JsonArray([.. list.Select(item => Value(graph, item, namedType, children))]);
            case JsonObject obj when graph.Types.TryGetValue(namedType, out var type) && type.IsComposite:
                var concrete = obj["__typename"] is JsonValue t && t.TryGetValue<string>(out var name) ? name
                    : type.Kind == SupergraphTypeKind.Object ? namedType : null;
                var output = new JsonObject();
                if (concrete is not null)
                {
                    Object(graph, children, obj, concrete, output);
                    output[SelectionNode.TypeKey] = concrete;
                }

                return output;
            default:
                return json.DeepClone();
        }
    }

    private static void Object(Supergraph graph, IReadOnlyList<SelectionNode> children, JsonObject source, string concrete, JsonObject output)
    {
        foreach (var selection in children)
        {
            if (selection.IsFragment)
            {
                if (graph.Satisfies(concrete, selection.TypeCondition ?? concrete))
                {
                    Object(graph, selection.Children, source, concrete, output);
                }

                continue;
            }

            if (selection.FieldName == "__typename")
            {
                output[selection.ResponseKey] = concrete;
                continue;
            }

            var namedType = graph.Field(concrete, selection.FieldName)?.NamedType ?? "";
            output[selection.ResponseKey] = Value(graph, source[selection.FieldName], namedType, selection.Children);
        }
    }
}
