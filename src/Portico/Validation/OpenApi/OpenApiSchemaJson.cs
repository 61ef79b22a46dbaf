using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Portico.Validation.OpenApi;

/// <summary>
/// OpenAPI schemas as JSON Schema 2020-12: written in the 3.1 form (which also turns 3.0's <c>nullable</c> and boolean
/// <c>exclusiveMaximum</c> into their JSON Schema equivalents), with <c>#/components/schemas/X</c> references pointing
/// at <c>#/$defs/X</c>, where the document's component schemas are copied.
/// </summary>
internal static class OpenApiSchemaJson
{
    private const string ComponentPrefix = "#/components/schemas/";

    /// <summary>The schema as JSON, references rewritten.</summary>
    public static JsonNode Of(IOpenApiSchema schema)
    {
        using var text = new StringWriter();
        schema.SerializeAsV31(new OpenApiJsonWriter(text));
        var node = JsonNode.Parse(text.ToString()) ?? new JsonObject();
        Rewrite(node);
        return node;
    }

    /// <summary>A self-contained body schema: <paramref name="schema"/> with the document's components as <c>$defs</c>.</summary>
    public static JsonNode BodySchema(IOpenApiSchema schema, OpenApiSpec spec)
    {
        var node = Of(schema);
        var root = node as JsonObject ?? new JsonObject { ["allOf"] = new JsonArray(node) };
        if (spec.Document.Components?.Schemas is { Count: > 0 } && !root.ContainsKey("$defs"))
        {
            root["$defs"] = spec.Defs();
        }

        return root;
    }

    private static void Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var text) && text.StartsWith(ComponentPrefix, StringComparison.Ordinal))
                {
                    obj["$ref"] = "#/$defs/" + text[ComponentPrefix.Length..];
                }

                foreach (var (_, child) in obj.ToList())
                {
                    if (child is not null)
                    {
                        Rewrite(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Rewrite(child);
                    }
                }

                break;
        }
    }
}
