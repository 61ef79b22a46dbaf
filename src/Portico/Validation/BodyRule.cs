using System.Text.Json;
using Json.Schema;

namespace Portico.Validation;

/// <summary>
/// A route's JSON body rule: the body must be well-formed JSON nested at most <see cref="MaxDepth"/> deep and, with a
/// schema, valid against it. A valid body costs one structural pass, one parse and a flag-only evaluation; the
/// detailed evaluation runs only for a body that fails.
/// </summary>
internal sealed class BodyRule(JsonSchema? schema, int maxDepth)
{
    /// <summary>Default <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 32;

    /// <summary>Largest <see cref="MaxDepth"/> a route may set.</summary>
    public const int MaxMaxDepth = 256;

    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions Detailed = new() { OutputFormat = OutputFormat.List };

    /// <summary>The compiled schema; null when only well-formedness and depth are checked.</summary>
    public JsonSchema? Schema { get; } = schema;

    /// <summary>Deepest nesting of objects and arrays accepted.</summary>
    public int MaxDepth { get; } = maxDepth;

    /// <summary>Checks <paramref name="body"/>; adds what is wrong to <paramref name="violations"/>.</summary>
    public void Check(ReadOnlyMemory<byte> body, ViolationList violations)
    {
        if (!CheckStructure(body.Span, violations))
        {
            return;
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth + 1 });
        if (Schema is null || Schema.Evaluate(document.RootElement, FlagOnly).IsValid)
        {
            return;
        }

        var results = Schema.Evaluate(document.RootElement, Detailed);
        Collect(results, violations);
        foreach (var detail in results.Details ?? [])
        {
            Collect(detail, violations);
        }

        if (violations.Count == 0)
        {
            violations.Add("body", "", "does not match the route's schema");
        }
    }

    private static void Collect(EvaluationResults result, ViolationList violations)
    {
        if (result.Errors is not { Count: > 0 } errors)
        {
            return;
        }

        var pointer = result.InstanceLocation.ToString();
        foreach (var (_, message) in errors)
        {
            violations.Add("body", pointer, message);
        }
    }

    /// <summary>One pass of the reader: well-formed JSON, one value, nesting within <see cref="MaxDepth"/>. Never echoes the body.</summary>
    private bool CheckStructure(ReadOnlySpan<byte> body, ViolationList violations)
    {
        if (!JsonText.JsonUnicode.IsValid(body))
        {
            violations.Add("body", "", "is not valid JSON: " + JsonText.JsonUnicode.Problem);
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    violations.Add("body", "", $"objects and arrays are nested deeper than {MaxDepth} levels");
                    return false;
                }
            }

            return true;
        }
        catch (JsonException ex)
        {
            violations.Add("body", "", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
            return false;
        }
    }
}
