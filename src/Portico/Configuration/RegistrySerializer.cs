using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Portico.Configuration;

/// <summary>Reads and writes the registry's JSON form, turning syntax and shape errors into located messages.</summary>
public static partial class RegistrySerializer
{
    /// <summary>Parses a whole registry document; <paramref name="sourceName"/> prefixes error locations.</summary>
    /// <remarks>A UTF-8 byte order mark, which some editors write, is skipped.</remarks>
    public static ParseResult<RegistryDocument> ParseDocument(ReadOnlySpan<byte> utf8Json, string sourceName) =>
        Parse(utf8Json.StartsWith("\uFEFF"u8) ? utf8Json[3..] : utf8Json, sourceName, RegistryJsonContext.Default.RegistryDocument);

    /// <summary>
    /// Parses a registry document that was derived from the file rather than read from it (converted from YAML, or with
    /// environment variables substituted): errors are located by their JSON path with <paramref name="locate"/>, in the
    /// file as written, instead of by their position in the derived JSON.
    /// </summary>
    internal static ParseResult<RegistryDocument> ParseDerivedDocument(ReadOnlySpan<byte> utf8Json, Func<string, string> locate)
    {
        var parsed = Parse(utf8Json, "", RegistryJsonContext.Default.RegistryDocument);
        return parsed.Value is not null
            ? parsed
            : ParseResult<RegistryDocument>.Failed([.. parsed.Errors.Select(e => e with { Location = locate(e.JsonPath) })]);
    }

    /// <summary>Parses one item (a backend, a route, …) stored on its own, as in a table entity.</summary>
    public static ParseResult<T> ParseItem<T>(string json, string sourceName, JsonTypeInfo<T> typeInfo) =>
        Parse(System.Text.Encoding.UTF8.GetBytes(json), sourceName, typeInfo);

    /// <summary>Writes a document as indented UTF-8 JSON, the declarative file format.</summary>
    public static byte[] SerializeDocument(RegistryDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, Checked(RegistryJsonContext.Default.RegistryDocument));

    /// <summary>Writes one item as compact JSON: the form stored in table entities and compared by diffs.</summary>
    public static string SerializeItem<T>(T item, JsonTypeInfo<T> typeInfo)
    {
        // The writer's options, not the serializer's, decide indentation: one context serves both forms.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = typeInfo.Options.Encoder }))
        {
            JsonSerializer.Serialize(writer, item, Checked(typeInfo));
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Builds the serializer's metadata for the whole registry model, so the first real parse does not: the first parse
    /// of any document, even <c>{}</c>, configures every type the model reaches and compiles about 500 generic
    /// methods of System.Text.Json over the model's value types (about 130 ms of CPU), which ReadyToRun cannot
    /// precompile because their code lives in the framework. The hosts start it on a thread-pool thread before they
    /// build the host, so it runs beside host construction on a second core instead of before the first answer
    /// (issue 25, docs/performance.md). The metadata is cached in the options; a parse that starts meanwhile waits for
    /// the types it needs instead of building them twice.
    /// </summary>
    public static void Prepare() => _ = ParseDocument("{}"u8, "");

    /// <summary>Type information for registry items, for <see cref="ParseItem{T}"/> and <see cref="SerializeItem{T}"/>.</summary>
    internal static RegistryJsonContext Types => RegistryJsonContext.Default;

    /// <summary>The registry's options with <see cref="NullElementCheck"/> added: every parse reads through these.</summary>
    private static readonly JsonSerializerOptions CheckedOptions = new(RegistryJsonContext.Default.Options)
    {
        TypeInfoResolver = RegistryJsonContext.Default.WithAddedModifier(NullElementCheck.Modify),

        // RFC 8259 §4: which of two equal keys wins differs between parsers; System.Text.Json kept the last one
        // silently, so a second "auth" could open a route and a second "routes" drop every route. YAML files already
        // refuse duplicate keys; JSON files, table entities and JSON values inside them now do too.
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// The checked options' metadata for <paramref name="typeInfo"/>'s type: reading and writing share one configured copy
    /// of the model (the check only acts after deserialization), which System.Text.Json builds once per process.
    /// </summary>
    private static JsonTypeInfo<T> Checked<T>(JsonTypeInfo<T> typeInfo) => (JsonTypeInfo<T>)CheckedOptions.GetTypeInfo(typeInfo.Type);

    private static ParseResult<T> Parse<T>(ReadOnlySpan<byte> utf8Json, string sourceName, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            var value = JsonSerializer.Deserialize(utf8Json, Checked(typeInfo));
            if (value is null)
            {
                return ParseResult<T>.Failed(new ConfigurationError("$", "", "", "the document is null; expected a JSON object") { Location = sourceName });
            }

            return ParseResult<T>.Ok(value);
        }
        catch (JsonException ex)
        {
            var location = ex.LineNumber is { } line
                ? $"{sourceName}:{line + 1}:{(ex.BytePositionInLine ?? 0) + 1}"
                : sourceName;
            var path = ex.Path ?? "$";
            return ParseResult<T>.Failed(new ConfigurationError(path, "", DescribePath(path), Explain(ex)) { Location = location });
        }
    }

    /// <summary>Turns <c>$.routes[2].match.path</c> into <c>routes[2].match.path</c> for messages.</summary>
    internal static string DescribePath(string jsonPath) =>
        jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    private static string Explain(JsonException ex)
    {
        // System.Text.Json messages name .NET types and repeat the position; say it in the registry's terms.
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        var unknown = UnknownMember().Match(message);
        if (unknown.Success)
        {
            return $"unknown field '{unknown.Groups[1].Value}'";
        }

        var missing = MissingRequired().Match(message);
        if (missing.Success)
        {
            var fields = missing.Groups[1].Value.TrimEnd('.');
            return fields == "'auth'"
                ? "missing required field 'auth': every route names an authentication policy ('anonymous' opens it to everyone explicitly)"
                : $"missing required field(s) {fields}";
        }

        if (message.StartsWith(StringListConverter.NullElementMessage, StringComparison.Ordinal))
        {
            return StringListConverter.NullElementMessage;
        }

        if (message.StartsWith(NullElementCheck.MessageStart, StringComparison.Ordinal))
        {
            return message[NullElementCheck.MessageStart.Length..];
        }

        var duplicate = DuplicateMember().Match(message);
        if (duplicate.Success)
        {
            return $"duplicate key '{duplicate.Groups[1].Value}': each key may appear once in an object";
        }

        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return "the value has the wrong type for this field";
        }

        if (message.Contains("doesn't allow setting null values", StringComparison.Ordinal) ||
            message.Contains("doesn't allow null values", StringComparison.Ordinal) ||
            message.Contains("does not allow setting null values", StringComparison.Ordinal))
        {
            return "the value must not be null";
        }

        return "invalid JSON: " + message.TrimEnd('.');
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex("Duplicate property '([^']*)'")]
    private static partial Regex DuplicateMember();

    [GeneratedRegex("missing required properties(?: including)?: (.*)$")]
    private static partial Regex MissingRequired();
}
