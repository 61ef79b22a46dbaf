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
            JsonValueKind.Number => value.TryGetValue<long>(out var l) ? l : value.TryGetValue<int>(out var i) ? i : value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
