using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL;

namespace Portico.GraphQL;

/// <summary>Request variables as GraphQL.NET reads them (dictionaries, lists and scalars).</summary>
internal static class GraphQLInputs
{
    public static Inputs From(JsonObject? variables) =>
        variables is null ? Inputs.Empty : new Inputs((Dictionary<string, object?>)Convert(variables)!);

    private static object? Convert(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Convert(p.Value)),
        JsonArray list => list.Select(Convert).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            // As GraphQL.NET's own serializer reads numbers, the smallest type first (Int accepts no double). Each arm is
            // boxed on its own: a conditional of int, long and double would be a double.
            JsonValueKind.Number => value.TryGetValue<int>(out var i) ? (object)i : value.TryGetValue<long>(out var l) ? (object)l : (object)value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
