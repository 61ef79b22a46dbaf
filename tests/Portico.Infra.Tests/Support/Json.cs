using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portico.Infra.Tests.Support;

/// <summary>Small helpers for reading JSON nodes in assertions.</summary>
internal static class Json
{
    /// <summary>The node as compact JSON text ("null" for a missing node), for comparisons and messages.</summary>
    public static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>The string value of <paramref name="node"/>, or null when it is missing or not a string.</summary>
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>Whether <paramref name="node"/> is the JSON literal <paramref name="expected"/> (not an expression that might produce it).</summary>
    public static bool IsLiteral(JsonNode? node, bool expected) =>
        node is JsonValue value && value.GetValueKind() == (expected ? JsonValueKind.True : JsonValueKind.False);

    /// <summary>Whether <paramref name="node"/> is the JSON number <paramref name="expected"/>.</summary>
    public static bool IsLiteral(JsonNode? node, int expected) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.GetValue<int>() == expected;

    /// <summary>Whether <paramref name="text"/> is an ARM template expression (<c>[...]</c>, not the escaped <c>[[</c>).</summary>
    public static bool IsExpression(string? text) =>
        text is not null && text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal);
}
