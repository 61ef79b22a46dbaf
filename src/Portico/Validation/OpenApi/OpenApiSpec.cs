using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;

namespace Portico.Validation.OpenApi;

/// <summary>
/// An OpenAPI 3.0 or 3.1 document read with Microsoft.OpenApi (JSON, or YAML for any other extension), and what
/// validation and <c>portico config import --openapi</c> take from it: its operations and their rules.
/// </summary>
public sealed class OpenApiSpec
{
    /// <summary>Largest document read.</summary>
    public const int MaxDocumentSize = 16 * 1024 * 1024;

    private JsonObject? _defs;

    private OpenApiSpec(string path, OpenApiDocument document)
    {
        Path = path;
        Document = document;
    }

    /// <summary>The path the document was named by.</summary>
    public string Path { get; }

    /// <summary>The document.</summary>
    public OpenApiDocument Document { get; }

    /// <summary>Every operation, in document order.</summary>
    public IEnumerable<OpenApiOperationMatch> Operations =>
        from path in Document.Paths ?? []
        from operation in path.Value.Operations ?? []
        select new OpenApiOperationMatch(operation.Key.Method.ToUpperInvariant(), path.Key, operation.Value, path.Value);

    /// <summary>
    /// Reads <paramref name="path"/> (relative to <paramref name="baseDirectory"/>); null with the reason (a missing file,
    /// a syntax error with its place, an unsupported version) when it cannot be used.
    /// </summary>
    public static OpenApiSpec? Load(string path, string? baseDirectory, out string? problem)
    {
        var full = System.IO.Path.GetFullPath(path, baseDirectory ?? Environment.CurrentDirectory);
        string text;
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                problem = $"the OpenAPI document '{path}' does not exist (paths are relative to the registry file)";
                return null;
            }

            if (info.Length > MaxDocumentSize)
            {
                problem = $"the OpenAPI document '{path}' is larger than {MaxDocumentSize / (1024 * 1024)} MiB";
                return null;
            }

            text = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"the OpenAPI document '{path}' cannot be read: {ex.Message}";
            return null;
        }

        return Parse(text, path, path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "json" : "yaml", out problem);
    }

    /// <summary>Parses a document's text; <paramref name="format"/> is <c>json</c> or <c>yaml</c>.</summary>
    public static OpenApiSpec? Parse(string text, string path, string format, out string? problem)
    {
        // Only the reader's own checks: the document's style is its authors' business, not the gateway's.
        var settings = new OpenApiReaderSettings { RuleSet = ValidationRuleSet.GetEmptyRuleSet(), LoadExternalRefs = false };
        settings.TryAddReader("yaml", new OpenApiYamlReader());
        settings.TryAddReader("yml", new OpenApiYamlReader());
        ReadResult result;
        try
        {
            result = OpenApiDocument.Parse(text, format, settings);
        }
        catch (Exception ex) when (ex is OpenApiException or FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            problem = $"{path}: not an OpenAPI document Portico can read: {ex.Message}";
            return null;
        }

        if (result.Diagnostic?.Errors is { Count: > 0 } errors)
        {
            problem = $"{path}: " + string.Join("; ", errors.Take(5).Select(e => string.IsNullOrEmpty(e.Pointer) ? e.Message : $"{e.Pointer}: {e.Message}"));
            return null;
        }

        if (result.Document is null || result.Diagnostic?.SpecificationVersion is not (OpenApiSpecVersion.OpenApi3_0 or OpenApiSpecVersion.OpenApi3_1))
        {
            problem = $"{path}: only OpenAPI 3.0 and 3.1 documents are supported";
            return null;
        }

        problem = null;
        return new OpenApiSpec(path, result.Document);
    }

    /// <summary>
    /// The operation with <paramref name="operationId"/>, or the operations of <paramref name="methods"/> on the document
    /// path that <paramref name="routePath"/> ends with; empty with the reason when there is none or more than one path.
    /// </summary>
    public IReadOnlyList<OpenApiOperationMatch> Find(string? operationId, IReadOnlyList<string>? methods, string routePath, out string? problem)
    {
        problem = null;
        if (operationId is not null)
        {
            var found = Operations.FirstOrDefault(o => o.Operation.OperationId == operationId);
            if (found is null)
            {
                problem = $"{Path} has no operation with operationId '{operationId}'";
                return [];
            }

            return [found];
        }

        if (methods is not { Count: > 0 })
        {
            problem = "without an operationId the operation is found by the route's methods and path: name the methods in match.methods, or set operationId";
            return [];
        }

        var route = PathShape.Of(routePath);
        var paths = (Document.Paths ?? []).Where(p => PathShape.EndsWith(route, PathShape.Of(p.Key))).ToList();
        var exact = paths.Where(p => PathShape.Of(p.Key) == route).ToList();
        if (exact.Count == 1)
        {
            paths = exact;
        }

        if (paths.Count != 1)
        {
            problem = paths.Count == 0
                ? $"{Path} has no path that the route's path '{routePath}' equals or ends with"
                : $"the route's path '{routePath}' ends with several paths of {Path} ({string.Join(", ", paths.Select(p => p.Key))}): set operationId";
            return [];
        }

        var (specPath, item) = (paths[0].Key, paths[0].Value);
        var matches = new List<OpenApiOperationMatch>();
        foreach (var method in methods)
        {
            var operation = item.Operations?.FirstOrDefault(o => string.Equals(o.Key.Method, method, StringComparison.OrdinalIgnoreCase));
            if (operation?.Value is { } found)
            {
                matches.Add(new OpenApiOperationMatch(method.ToUpperInvariant(), specPath, found, item));
            }
            else if (!OftenWithoutOperation(method))
            {
                problem = $"{Path} has no {method.ToUpperInvariant()} operation at {specPath}";
                return [];
            }
        }

        return matches;
    }

    /// <summary>The document's component schemas as JSON Schema 2020-12 <c>$defs</c>, references rewritten to point there.</summary>
    internal JsonObject Defs()
    {
        if (_defs is null)
        {
            var defs = new JsonObject();
            foreach (var (name, schema) in Document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
            {
                defs[name] = OpenApiSchemaJson.Of(schema);
            }

            _defs = defs;
        }

        return (JsonObject)_defs.DeepClone();
    }

    // HEAD and OPTIONS often have no operation of their own; a route that names them with GET still validates GET.
    private static bool OftenWithoutOperation(string method) =>
        method.Equals("HEAD", StringComparison.OrdinalIgnoreCase) || method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase);
}
