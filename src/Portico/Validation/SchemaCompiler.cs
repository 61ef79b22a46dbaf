using System.Text.Json;
using Json.Schema;

namespace Portico.Validation;

/// <summary>
/// Turns a route's <c>schema</c> (inline, or a file relative to the registry file) into a compiled
/// <see cref="JsonSchema"/> when the registry loads, so that nothing about a schema can fail at request time: the
/// schema must build in Portico's dialects (linear patterns), and every <c>$ref</c> must point inside it.
/// </summary>
internal static class SchemaCompiler
{
    /// <summary>Largest schema file read.</summary>
    public const int MaxSchemaFileSize = 4 * 1024 * 1024;

    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };

    /// <summary>
    /// Compiles <paramref name="schema"/>; null after reporting through <paramref name="error"/>. <paramref name="source"/>
    /// names where an inline schema came from in messages (empty for the registry itself).
    /// </summary>
    public static JsonSchema? Compile(JsonElement schema, string? baseDirectory, string source, Action<string> error)
    {
        var element = schema;
        if (schema.ValueKind == JsonValueKind.String)
        {
            var path = schema.GetString()!;
            if (ReadFile(path, baseDirectory, error) is not { } fromFile)
            {
                return null;
            }

            element = fromFile;
            source = path + ": ";
        }
        else if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            error("must be a JSON Schema (an object, true or false) or the path of a file holding one");
            return null;
        }

        var referenceProblems = new List<string>();
        CheckReferences(element, element, referenceProblems);
        foreach (var problem in referenceProblems.Take(5))
        {
            error(source + problem);
        }

        if (referenceProblems.Count > 0)
        {
            return null;
        }

        try
        {
            var compiled = JsonSchema.Build(element, SchemaDialects.CreateBuildOptions());

            // Evaluating once resolves the root's references now rather than on the first request.
            using var probe = JsonDocument.Parse("null");
            compiled.Evaluate(probe.RootElement, FlagOnly);
            return compiled;
        }
        catch (Exception ex) when (ex is JsonSchemaException or ArgumentException or InvalidOperationException or JsonException or KeyNotFoundException or NotSupportedException or FormatException)
        {
            error($"{source}not a schema Portico can use: {ex.Message}");
            return null;
        }
    }

    /// <summary>The schema file's root, or null with the reason reported (missing, too large, not JSON: with its line).</summary>
    private static JsonElement? ReadFile(string path, string? baseDirectory, Action<string> error)
    {
        var full = Path.GetFullPath(path, baseDirectory ?? Environment.CurrentDirectory);
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                error($"the schema file '{path}' does not exist (paths are relative to the registry file)");
                return null;
            }

            if (info.Length > MaxSchemaFileSize)
            {
                error($"the schema file '{path}' is larger than {MaxSchemaFileSize / (1024 * 1024)} MiB");
                return null;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(full), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            error($"{path}:{ex.LineNumber + 1}:{ex.BytePositionInLine + 1}: the schema file is not valid JSON");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error($"the schema file '{path}' cannot be read: {ex.Message}");
        }

        return null;
    }

    /// <summary>Every <c>$ref</c> and <c>$dynamicRef</c> must be a fragment of this schema; pointers must resolve.</summary>
    private static void CheckReferences(JsonElement root, JsonElement element, List<string> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "$ref" or "$dynamicRef" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        var reference = property.Value.GetString()!;
                        if (!reference.StartsWith('#'))
                        {
                            problems.Add($"{property.Name} '{reference}': only references inside the schema (#/$defs/…) are supported; the gateway fetches no schema");
                        }
                        else if (reference.Length > 1 && reference[1] == '/' && !Resolves(root, reference[1..]))
                        {
                            problems.Add($"{property.Name} '{reference}' points at nothing in the schema");
                        }
                    }
                    else
                    {
                        CheckReferences(root, property.Value, problems);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckReferences(root, item, problems);
                }

                break;
        }
    }

    /// <summary>Whether the JSON pointer (RFC 6901, URI-fragment encoded) names a value in <paramref name="root"/>.</summary>
    private static bool Resolves(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
