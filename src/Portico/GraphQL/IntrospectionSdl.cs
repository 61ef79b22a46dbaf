using System.Text;
using System.Text.Json.Nodes;

namespace Portico.GraphQL;

/// <summary>
/// Writes the SDL of a schema from the answer to the standard introspection query (the <c>__schema</c> object):
/// objects, interfaces, unions, enums, input objects and custom scalars with their fields, arguments and defaults.
/// Built-in scalars and introspection types are left out; descriptions and directives are not part of introspection.
/// </summary>
internal static class IntrospectionSdl
{
    private static readonly HashSet<string> BuiltIn = ["String", "Int", "Float", "Boolean", "ID"];

    /// <summary>The SDL of <paramref name="schema"/>, or why it cannot be written.</summary>
    public static (string? Sdl, string? Error) From(JsonObject schema)
    {
        if (schema["queryType"]?["name"]?.ToString() is { } query && query != Supergraph.QueryType)
        {
            return (null, $"the query type is named '{query}'; subgraphs name it 'Query'");
        }

        if (schema["mutationType"]?["name"]?.ToString() is { } mutation && mutation != Supergraph.MutationType)
        {
            return (null, $"the mutation type is named '{mutation}'; subgraphs name it 'Mutation'");
        }

        var sdl = new StringBuilder();
        foreach (var type in (schema["types"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = type["name"]?.ToString() ?? "";
            if (name.StartsWith("__", StringComparison.Ordinal) || BuiltIn.Contains(name))
            {
                continue;
            }

            switch (type["kind"]?.ToString())
            {
                case "SCALAR":
                    sdl.Append("scalar ").Append(name).Append('\n');
                    break;
                case "OBJECT" or "INTERFACE":
                    sdl.Append(type["kind"]!.ToString() == "OBJECT" ? "type " : "interface ").Append(name);
                    var interfaces = Names(type["interfaces"]);
                    if (interfaces.Count > 0)
                    {
                        sdl.Append(" implements ").AppendJoin(" & ", interfaces);
                    }

                    Fields(sdl, type["fields"], withArguments: true);
                    break;
                case "UNION":
                    sdl.Append("union ").Append(name).Append(" = ").AppendJoin(" | ", Names(type["possibleTypes"])).Append('\n');
                    break;
                case "ENUM":
                    sdl.Append("enum ").Append(name).Append(" { ").AppendJoin(" ", Names(type["enumValues"])).Append(" }\n");
                    break;
                case "INPUT_OBJECT":
                    sdl.Append("input ").Append(name);
                    Fields(sdl, type["inputFields"], withArguments: false);
                    break;
            }
        }

        return (sdl.ToString(), null);
    }

    private static void Fields(StringBuilder sdl, JsonNode? fields, bool withArguments)
    {
        sdl.Append(" {\n");
        foreach (var field in (fields as JsonArray ?? []).OfType<JsonObject>())
        {
            sdl.Append("  ").Append(field["name"]);
            var arguments = withArguments ? (field["args"] as JsonArray ?? []).OfType<JsonObject>().ToList() : [];
            if (arguments.Count > 0)
            {
                sdl.Append('(').AppendJoin(", ", arguments.Select(Value)).Append(')');
            }

            sdl.Append(": ").Append(TypeRef(field["type"]));
            if (!withArguments && field["defaultValue"] is JsonValue fieldDefault)
            {
                sdl.Append(" = ").Append(fieldDefault.ToString());
            }

            sdl.Append('\n');
        }

        sdl.Append("}\n");
    }

    private static string Value(JsonObject argument) =>
        $"{argument["name"]}: {TypeRef(argument["type"])}" + (argument["defaultValue"] is JsonValue value ? " = " + value : "");

    /// <summary><c>[Review!]!</c> from the nested <c>kind</c>/<c>ofType</c> of a type reference.</summary>
    private static string TypeRef(JsonNode? type) => type?["kind"]?.ToString() switch
    {
        "NON_NULL" => TypeRef(type["ofType"]) + "!",
        "LIST" => "[" + TypeRef(type["ofType"]) + "]",
        _ => type?["name"]?.ToString() ?? "_Unnamed", // nested deeper than the query reads: composition refuses it
    };

    private static List<string> Names(JsonNode? items) =>
        [.. (items as JsonArray ?? []).OfType<JsonObject>().Select(i => i["name"]?.ToString() ?? "")];
}
