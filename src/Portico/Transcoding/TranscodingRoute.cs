using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Portico.Proxy;

namespace Portico.Transcoding;

/// <summary>
/// A compiled transcoding route: its methods' HTTP bindings, the codec over its descriptor set, and the way to the
/// service. Immutable, built once per snapshot. Turns an HTTP request into one gRPC request message.
/// </summary>
internal sealed class TranscodingRoute(
    string id, ProtoSchema schema, TranscodingBinding[] bindings, CompiledBackend backend, HttpMessageInvoker invoker,
    TimeSpan timeout, TimeSpan activityTimeout, StreamingFormat streaming, string[] requestHeaders, string[] responseHeaders)
{
    private static readonly JsonElement True = JsonDocument.Parse("true").RootElement.Clone();
    private static readonly JsonElement False = JsonDocument.Parse("false").RootElement.Clone();

    /// <summary>The most query parameter names whose field paths a route remembers (names come from clients).</summary>
    private const int MaxCachedParameters = 256;

    /// <summary>Each method's call URI on the backend, built once: the same for every call.</summary>
    private readonly Dictionary<TranscodedMethod, Uri> _callUris = bindings.Select(b => b.Method).Distinct().ToDictionary(m => m, m => backend.UriFor(m.CallPath));

    /// <summary>Query parameter names already resolved to field paths, per request message (bounded, see <see cref="MaxCachedParameters"/>).</summary>
    private readonly ConcurrentDictionary<(MessageDescriptor Message, string Name), FieldDescriptor[]> _parameterFields = new();

    public string Id { get; } = id;

    public ProtoSchema Schema { get; } = schema;

    public TranscodingBinding[] Bindings { get; } = bindings;

    public CompiledBackend Backend { get; } = backend;

    /// <summary>The route's resilience pipeline over the backend, or the plain client when resilience is off.</summary>
    public HttpMessageInvoker Invoker { get; } = invoker;

    /// <summary>The route's timeout: a unary call's deadline, sent as <c>grpc-timeout</c>.</summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>The longest silence between two messages of a server stream.</summary>
    public TimeSpan ActivityTimeout { get; } = activityTimeout;

    /// <summary>A unary call's <c>grpc-timeout</c>: at most 8 digits and a unit (PROTOCOL-HTTP2.md); milliseconds cover 27 hours.</summary>
    public string GrpcTimeout { get; } = ((long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "m";

    public StreamingFormat Streaming { get; } = streaming;

    /// <summary>Client headers sent as call metadata (lowercase).</summary>
    public string[] RequestHeaders { get; } = requestHeaders;

    /// <summary>Service headers and trailers passed back (lowercase).</summary>
    public string[] ResponseHeaders { get; } = responseHeaders;

    public JsonToProto Encoder { get; } = new(schema);

    public ProtoToJson Decoder { get; } = new(schema);

    /// <summary>The URI every call of <paramref name="method"/> is a <c>POST</c> to.</summary>
    public Uri CallUri(TranscodedMethod method) => _callUris[method];

    /// <summary>The first binding (in method, then rule order) of <paramref name="httpMethod"/> whose template matches <paramref name="path"/>.</summary>
    public TranscodingBinding? Match(string httpMethod, ReadOnlySpan<char> path, out string[] values)
    {
        foreach (var binding in Bindings)
        {
            if (string.Equals(binding.HttpMethod, httpMethod, StringComparison.OrdinalIgnoreCase) && binding.Template.Match(path) is { } matched)
            {
                values = matched;
                return binding;
            }
        }

        values = [];
        return null;
    }

    /// <summary>
    /// Writes the request message for <paramref name="binding"/> to <paramref name="output"/>: the body (when the
    /// binding reads one), then query parameters, then path variables, each appended so that a later one wins
    /// (protobuf's merge). Null on success, otherwise what is wrong, naming the field or parameter.
    /// </summary>
    public string? WriteRequest(TranscodingBinding binding, JsonElement? body, IQueryCollection query, string[] values, CodedOutputStream output)
    {
        var input = binding.Method.Descriptor.InputType;
        string? error;
        if (body is { } json)
        {
            if (binding.BodyIsMessage ? !Encoder.TryWriteMessage(input, json, output, out error) : !Encoder.TryWriteField(binding.BodyField!, json, output, out error, fromValue: true))
            {
                return "body: " + error;
            }
        }

        foreach (var (name, parameterValues) in query)
        {
            if (binding.BodyIsMessage)
            {
                return $"query parameter '{name}': the body sets the whole request message, so query parameters set nothing";
            }

            if (!_parameterFields.TryGetValue((input, name), out var path))
            {
                path = TranscodingCompiler.ResolveFieldPath(Schema, input, name, out var problem);
                if (path is null)
                {
                    return $"query parameter '{name}': {problem}";
                }

                if (_parameterFields.Count < MaxCachedParameters)
                {
                    _parameterFields.TryAdd((input, name), path);
                }
            }

            if (binding.BodyField is { } bodyField && path[0] == bodyField)
            {
                return $"query parameter '{name}': the body sets '{bodyField.JsonName}'";
            }

            foreach (var text in parameterValues)
            {
                if (!path[^1].IsRepeated && parameterValues.Count > 1)
                {
                    return $"query parameter '{name}': given {parameterValues.Count} times for a field that holds one value";
                }

                if (!TryWriteParameter(path, text ?? "", output, out error))
                {
                    return $"query parameter '{name}': {error}";
                }
            }
        }

        for (var v = 0; v < values.Length; v++)
        {
            var path = binding.VariableFields[v];
            if (!TryWriteParameter(path, values[v], output, out error))
            {
                return $"path variable '{binding.Template.Variables[v].FieldPath}': {error}";
            }
        }

        return null;
    }

    /// <summary>A path or query value written as the field at the end of <paramref name="path"/>.</summary>
    private bool TryWriteParameter(FieldDescriptor[] path, string text, CodedOutputStream output, out string? error)
    {
        if (JsonToProto.IsPlainString(path[^1]))
        {
            error = null;
            JsonToProto.WriteStringAt(path, text, output);
            return true;
        }

        return Encoder.TryWriteAt(path, ParameterValue(path[^1], text), output, out error);
    }

    /// <summary>
    /// A path or query value as the JSON the codec reads: <c>true</c>/<c>false</c> for a bool, a number for an enum
    /// given by number, a string otherwise (the JSON mapping reads numbers and well-known types from strings).
    /// </summary>
    private static JsonElement ParameterValue(FieldDescriptor field, string text) => field.FieldType switch
    {
        FieldType.Bool when text == "true" => True,
        FieldType.Bool when text == "false" => False,
        FieldType.Enum when int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number) =>
            Element(writer => writer.WriteNumberValue(number)),
        _ => Element(writer => writer.WriteStringValue(text)),
    };

    private static JsonElement Element(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
