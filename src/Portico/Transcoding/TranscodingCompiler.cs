using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using Portico.Configuration;
using Portico.Proxy;

namespace Portico.Transcoding;

/// <summary>
/// Validates a route's <c>transcode</c> block and compiles it into a <see cref="TranscodingDispatcher"/>: the
/// descriptor set read and built, the service and methods found, each method's HTTP bindings (its
/// <c>google.api.http</c> rules, or <c>POST /package.Service/Method</c>) parsed and checked against the request and
/// response messages. Errors name the route and the field. Runs once per snapshot, never per request.
/// </summary>
internal sealed partial class TranscodingCompiler(TranscodingRuntime runtime)
{
    /// <summary>Request headers that are the gateway's or HTTP/2's to set, never copied into call metadata.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "content-length", "te", "host", "connection", "keep-alive", "transfer-encoding", "upgrade",
        "proxy-connection", "user-agent",
    };

    /// <summary>Compiles <paramref name="definition"/>; null after reporting every problem to <paramref name="error"/>.</summary>
    public TranscodingDispatcher? Compile(
        RouteDefinition route, TranscodeDefinition definition, CompiledBackend backend, HttpMessageInvoker invoker,
        TimeSpan timeout, TimeSpan activityTimeout, string? baseDirectory, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        if (backend.Definition.Protocol != "grpc")
        {
            Error("transcode", $"backend '{backend.Id}' must have \"protocol\": \"grpc\" for a transcoding route");
        }

        if (route.WebSocket is { Enabled: not false })
        {
            Error("webSocket", "a transcoding route does not pass WebSocket connections");
        }

        var streaming = definition.Streaming switch
        {
            null or "ndjson" => StreamingFormat.NdJson,
            "sse" => StreamingFormat.ServerSentEvents,
            _ => (StreamingFormat?)null,
        };
        if (streaming is null)
        {
            Error("transcode.streaming", $"'{definition.Streaming}' is not 'ndjson' or 'sse'");
        }

        var requestHeaders = CompileHeaders(definition.RequestHeaders, "transcode.requestHeaders", Error);
        var responseHeaders = CompileHeaders(definition.ResponseHeaders, "transcode.responseHeaders", Error);
        var schema = LoadSchema(definition, baseDirectory, Error);
        if (schema is null)
        {
            return null;
        }

        var service = schema.FindService(definition.Service);
        if (service is null)
        {
            Error("transcode.service", $"route '{route.Id}': the descriptor set has no service '{definition.Service}' (write the full name, package.Service)");
            return null;
        }

        var bindings = new List<TranscodingBinding>();
        foreach (var method in SelectMethods(route, definition, service, Error))
        {
            CompileBindings(route, schema, new TranscodedMethod(method), bindings, Error);
        }

        if (failed || streaming is null)
        {
            return null;
        }

        var state = new TranscodingRoute(route.Id, schema, [.. bindings], backend, invoker, timeout, activityTimeout, streaming.Value, requestHeaders, responseHeaders);
        return new TranscodingDispatcher(state, runtime);
    }

    private ProtoSchema? LoadSchema(TranscodeDefinition definition, string? baseDirectory, Action<string, string> error)
    {
        var sources = (definition.DescriptorSet is null ? 0 : 1) + (definition.DescriptorSetBase64 is null ? 0 : 1) + (definition.DescriptorSetBlob is null ? 0 : 1);
        if (sources != 1)
        {
            error("transcode", "set exactly one of 'descriptorSet' (a file), 'descriptorSetBase64' and 'descriptorSetBlob'");
            return null;
        }

        byte[] bytes;
        var field = definition.DescriptorSet is not null ? "transcode.descriptorSet"
            : definition.DescriptorSetBase64 is not null ? "transcode.descriptorSetBase64"
            : "transcode.descriptorSetBlob";
        if (definition.DescriptorSet is { } file)
        {
            try
            {
                bytes = File.ReadAllBytes(Path.GetFullPath(file, baseDirectory ?? Environment.CurrentDirectory));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error(field, $"'{file}' cannot be read ({ex.GetType().Name})");
                return null;
            }
        }
        else if (definition.DescriptorSetBlob is { } blob)
        {
            // Read when the registry loads, as GraphQL subgraph introspection is: compilation runs once per load, never
            // per request, so it waits here, within the gateway's bound for the read.
            using var deadline = new CancellationTokenSource(runtime.DescriptorSets.Options.Timeout, runtime.TimeProvider);
            var (read, reason) = runtime.DescriptorSets.ReadAsync(blob, deadline.Token).GetAwaiter().GetResult();
            if (read is null)
            {
                error(field, reason!);
                return null;
            }

            bytes = read;
        }
        else
        {
            try
            {
                bytes = Convert.FromBase64String(definition.DescriptorSetBase64!);
            }
            catch (FormatException)
            {
                error(field, "not base64");
                return null;
            }
        }

        var schema = ProtoSchema.Load(bytes, out var problem);
        if (schema is null)
        {
            error(field, definition.DescriptorSetBlob is { } name ? $"blob '{name}': {problem}" : problem!);
        }

        return schema;
    }

    private static IEnumerable<MethodDescriptor> SelectMethods(RouteDefinition route, TranscodeDefinition definition, ServiceDescriptor service, Action<string, string> error)
    {
        if (definition.Methods is not { } names)
        {
            // Every method the gateway can transcode: client and bidirectional streams have no REST form.
            return service.Methods.Where(m => !m.IsClientStreaming);
        }

        var methods = new List<MethodDescriptor>();
        for (var i = 0; i < names.Count; i++)
        {
            var method = service.FindMethodByName(names[i]);
            if (method is null)
            {
                error($"transcode.methods[{i}]", $"route '{route.Id}': service '{service.FullName}' in the descriptor set has no method '{names[i]}'");
            }
            else if (method.IsClientStreaming)
            {
                error($"transcode.methods[{i}]", $"route '{route.Id}': '{names[i]}' is a client-streaming method, which transcoding does not map");
            }
            else
            {
                methods.Add(method);
            }
        }

        return methods;
    }

    private static void CompileBindings(RouteDefinition route, ProtoSchema schema, TranscodedMethod method, List<TranscodingBinding> bindings, Action<string, string> error)
    {
        var rules = HttpRule.Read(method.Descriptor);
        if (rules.Count == 0)
        {
            rules.Add(new HttpRule("POST", method.CallPath, "*", null)); // the documented default mapping
        }

        var at = $"transcode (method {method.Descriptor.FullName})";
        foreach (var rule in rules)
        {
            var template = PathTemplate.Parse(rule.Path, out var problem);
            if (template is null)
            {
                error(at, $"route '{route.Id}': its google.api.http path {problem}");
                continue;
            }

            var input = method.Descriptor.InputType;
            var variables = new FieldDescriptor[template.Variables.Length][];
            var ok = true;
            for (var v = 0; v < variables.Length; v++)
            {
                var path = ResolveFieldPath(schema, input, template.Variables[v].FieldPath, out problem);
                if (path is null || path[^1].IsRepeated)
                {
                    error(at, $"route '{route.Id}': path variable '{template.Variables[v].FieldPath}' of '{rule.Path}': {problem ?? "a repeated field cannot be a path variable"}");
                    ok = false;
                }
                else
                {
                    variables[v] = path;
                }
            }

            FieldDescriptor? bodyField = null;
            if (rule.Body is { } body and not "*" && (bodyField = schema.FindField(input, body)) is null)
            {
                error(at, $"route '{route.Id}': body '{body}' is not a field of {input.FullName}");
                ok = false;
            }

            FieldDescriptor? responseField = null;
            if (rule.ResponseBody is { } responseBody && (responseField = schema.FindField(method.Descriptor.OutputType, responseBody)) is null)
            {
                error(at, $"route '{route.Id}': response_body '{responseBody}' is not a field of {method.Descriptor.OutputType.FullName}");
                ok = false;
            }

            if (ok)
            {
                bindings.Add(new TranscodingBinding(rule.HttpMethod, template, method, variables, rule.Body == "*", bodyField, responseField));
            }
        }
    }

    /// <summary>
    /// The fields a dotted path (<c>book.name</c>, each name in JSON or original form) goes through from
    /// <paramref name="message"/>; every field but the last a singular message. Null with the reason otherwise.
    /// </summary>
    public static FieldDescriptor[]? ResolveFieldPath(ProtoSchema schema, MessageDescriptor message, string path, out string? problem)
    {
        problem = null;
        var parts = path.Split('.');
        var fields = new FieldDescriptor[parts.Length];
        var type = message;
        for (var i = 0; i < parts.Length; i++)
        {
            if (type is null)
            {
                problem = $"'{parts[i - 1]}' is not a message field, so it has no field '{parts[i]}'";
                return null;
            }

            var field = schema.FindField(type, parts[i]);
            if (field is null)
            {
                problem = $"{type.FullName} has no field '{parts[i]}'";
                return null;
            }

            if (i < parts.Length - 1 && (field.IsRepeated || field.FieldType != FieldType.Message || WellKnownTypes.IsSpecial(field.MessageType.FullName)))
            {
                problem = $"'{parts[i]}' is not a singular message field, so it has no field '{parts[i + 1]}'";
                return null;
            }

            fields[i] = field;
            type = field.FieldType == FieldType.Message ? field.MessageType : null;
        }

        return fields;
    }

    private static string[] CompileHeaders(IReadOnlyList<string>? names, string at, Action<string, string> error)
    {
        var headers = new List<string>();
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            var name = names![i];
            if (!HeaderName().IsMatch(name))
            {
                error($"{at}[{i}]", $"'{name}' is not a header name");
            }
            else if (name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || ReservedHeaders.Contains(name))
            {
                error($"{at}[{i}]", $"'{name}' is set by the gateway or the gRPC protocol and cannot be passed");
            }
            else
            {
                headers.Add(name.ToLowerInvariant()); // gRPC metadata keys are lowercase
            }
        }

        return [.. headers];
    }

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")]
    private static partial Regex HeaderName();
}
