using System.Text.Json;
using Microsoft.AspNetCore.Routing.Patterns;
using Portico.Configuration;
using Portico.Proxy;
using Portico.Security;

namespace Portico.Aggregation;

/// <summary>
/// Compiles the parts of one composite route (<c>aggregate.parts[]</c> in docs/configuration.md), one step per field:
/// the call (<c>backend</c>, <c>method</c>, <c>path</c>, <c>headers</c>, <c>forwardBody</c>, <c>body</c>), its failure
/// handling (<c>optional</c>, <c>fallback</c>, <c>timeout</c>, <c>maxResponseSize</c>) and the data's place in the
/// answer (<c>merge</c>, <c>member</c>, <c>pointer</c>, <c>fields</c>, <c>rename</c>). Every error names the part's field.
/// </summary>
internal sealed class AggregatePartCompiler(
    RouteDefinition route,
    RoutePattern? pattern,
    IReadOnlyDictionary<string, int> partNames,
    RequestInputs inputs,
    TimeSpan deadline,
    IReadOnlyDictionary<string, CompiledBackend> backends,
    string identityPrefix)
{
    // Headers Portico owns on a part call: framing (RFC 9110 §6, §7.6.1), Host, and Accept-Encoding, because
    // Portico must read the answer and does not decompress it.
    private static readonly string[] OwnedHeaders =
    [
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Connection", "Proxy-Authorization", "Accept-Encoding", "traceparent", "tracestate",
    ];

    /// <summary>
    /// Compiles part <paramref name="index"/>; null after reporting every problem to <paramref name="error"/> (with
    /// the field <c>aggregate.parts[i].FIELD</c> and the message starting with the part's name).
    /// </summary>
    public AggregatePart? Compile(AggregatePartDefinition definition, int index, Action<string, string> error)
    {
        var ok = true;
        void Error(string field, string message)
        {
            ok = false;
            error($"aggregate.parts[{index}].{field}", $"part '{definition.Name}': {message}");
        }

        var binder = new PlaceholderBinder(route, pattern, partNames, inputs, identityPrefix, index);
        var backend = CompileBackend(definition.Backend, Error);
        var method = CompileMethod(definition.Method, Error);
        var path = CompilePath(definition.Path, binder, Error);
        var hasBody = CheckBodySource(definition, method, Error);
        var headers = CompileHeaders(definition.Headers, hasBody, binder, Error, out var setsAccept);
        var body = CompileBody(definition.Body, binder, Error);
        var mergeIntoRoot = CompileMerge(definition, Error);
        CheckFallback(definition, mergeIntoRoot, Error);
        var timeout = CompileTimeout(definition.Timeout, Error);
        var maxResponseSize = definition.MaxResponseSize ?? AggregateLimits.DefaultPartMaxResponseSize;
        AggregateLimits.CheckResponseSize("maxResponseSize", maxResponseSize, Error);
        var pointer = CompilePointer(definition.Pointer, Error);
        CheckFields(definition.Fields, Error);
        CheckRename(definition.Rename, Error);
        if (!ok || path is null || backend is null || method is null)
        {
            return null;
        }

        return new AggregatePart
        {
            Index = index,
            Name = definition.Name,
            EncodedName = JsonEncodedText.Encode(definition.Name, AggregateJson.Encoder),
            Backend = backend,
            Method = method,
            Path = path,
            LiteralUri = path.Literal is { } literalPath ? backend.UriFor(literalPath) : null,
            Headers = headers,
            SetsAccept = setsAccept,
            ForwardBody = definition.ForwardBody == true,
            Body = body,
            Optional = definition.Optional == true,
            Fallback = definition.Fallback,
            Timeout = timeout,
            MaxResponseSize = maxResponseSize,
            MergeIntoRoot = mergeIntoRoot,
            Member = JsonEncodedText.Encode(definition.Member ?? definition.Name, AggregateJson.Encoder),
            MemberName = definition.Member ?? definition.Name,
            Pointer = pointer,
            Shape = definition.Fields is null && definition.Rename is null ? PartShape.AsIs : new PartShape(definition.Fields, definition.Rename),
            Dependencies = binder.Dependencies,
            Inputs = binder.Uses,
            ActivityName = $"part {route.Id}/{definition.Name}",
        };
    }

    /// <summary><c>backend</c>: the id of the backend called.</summary>
    private CompiledBackend? CompileBackend(string backendId, Action<string, string> error)
    {
        if (!backends.TryGetValue(backendId, out var backend))
        {
            error("backend", $"unknown backend '{backendId}'");
        }

        return backend;
    }

    /// <summary><c>method</c>: GET (the default), POST, PUT, PATCH or DELETE.</summary>
    private static HttpMethod? CompileMethod(string? text, Action<string, string> error)
    {
        var method = (text ?? "GET").ToUpperInvariant() switch
        {
            "GET" => HttpMethod.Get,
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "PATCH" => HttpMethod.Patch,
            "DELETE" => HttpMethod.Delete,
            _ => null,
        };
        if (method is null)
        {
            error("method", $"'{text}' is not one of GET, POST, PUT, PATCH, DELETE");
        }

        return method;
    }

    /// <summary><c>path</c>: path and query on the backend, starting with '/', with placeholders percent-encoded.</summary>
    private static ValueTemplate? CompilePath(string text, PlaceholderBinder binder, Action<string, string> error)
    {
        if (!text.StartsWith('/'))
        {
            error("path", "must start with '/'");
            return null;
        }

        if (text.Contains('#'))
        {
            error("path", "a fragment ('#') is never sent to a server");
            return null;
        }

        if (text.Split('?')[0].Split('/').Any(s => s is "." or ".."))
        {
            error("path", "'.' and '..' segments are not allowed");
            return null;
        }

        var path = ValueTemplate.Parse(text, isUrl: true, p => binder.Bind(p, m => error("path", m)), m => error("path", m));
        foreach (var segment in path?.Placeholders ?? [])
        {
            binder.Use(segment.Value!, segment.Optional, segment.InQuery ? InputContext.Query : InputContext.Path);
        }

        return path;
    }

    /// <summary><c>forwardBody</c> or <c>body</c>, not both, and neither on a GET; whether the call sends a body.</summary>
    private static bool CheckBodySource(AggregatePartDefinition definition, HttpMethod? method, Action<string, string> error)
    {
        var hasBody = definition.ForwardBody == true || definition.Body is not null;
        if (definition.ForwardBody == true && definition.Body is not null)
        {
            error("body", "set 'body' or 'forwardBody', not both");
        }

        if (hasBody && method == HttpMethod.Get)
        {
            error(definition.Body is null ? "forwardBody" : "body", "a GET call has no body (RFC 9110 §9.3.1); use POST, PUT, PATCH or DELETE");
        }

        return hasBody;
    }

    /// <summary>
    /// <c>headers</c>: names Portico does not own or reserve, <c>Content-*</c> only with a body, values that may hold
    /// placeholders and never a line break.
    /// </summary>
    private (string Name, ValueTemplate Value, bool IsContent)[] CompileHeaders(
        IReadOnlyDictionary<string, string>? configured, bool hasBody, PlaceholderBinder binder, Action<string, string> error, out bool setsAccept)
    {
        var headers = new List<(string, ValueTemplate, bool)>();
        setsAccept = false;
        foreach (var (name, value) in configured ?? new Dictionary<string, string>())
        {
            var field = $"headers.{name}";
            if (!HttpToken.IsValid(name))
            {
                error(field, $"'{name}' is not a valid header name");
                continue;
            }

            if (OwnedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase))
            {
                error(field, $"'{name}' is set by Portico");
                continue;
            }

            if (HeaderHygiene.IsReserved(name, identityPrefix))
            {
                error(field, $"'{name}' is reserved: Portico writes forwarding and identity headers itself");
                continue;
            }

            var isContent = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase);
            if (isContent && !hasBody)
            {
                error(field, $"'{name}' describes a body, and this call sends none");
                continue;
            }

            setsAccept |= name.Equals("Accept", StringComparison.OrdinalIgnoreCase);
            var template = ValueTemplate.Parse(value, isUrl: false, p => binder.Bind(p, m => error(field, m)), m => error(field, m));
            if (template is null)
            {
                continue;
            }

            // The whole text: literal parts around placeholders are sent as they are.
            if (HttpFieldValue.Problem(value) is { } valueProblem)
            {
                error(field, $"the value {valueProblem}");
                continue;
            }

            foreach (var segment in template.Placeholders)
            {
                binder.Use(segment.Value!, segment.Optional, InputContext.Header);
            }

            headers.Add((name, template, isContent));
        }

        return [.. headers];
    }

    /// <summary><c>body</c>: a JSON body built per request, its placeholders typed or interpolated.</summary>
    private static JsonBodyTemplate? CompileBody(JsonElement? json, PlaceholderBinder binder, Action<string, string> error)
    {
        if (json is not { } bodyJson)
        {
            return null;
        }

        var body = JsonBodyTemplate.Compile(bodyJson, p => binder.Bind(p, m => error("body", m)), m => error("body", m));
        foreach (var (value, optional, exact) in body?.Placeholders ?? [])
        {
            binder.Use(value, optional, exact ? InputContext.Json : InputContext.Text);
        }

        return body;
    }

    /// <summary><c>merge</c>: <c>member</c> (the default) or <c>root</c>, which has no <c>member</c>; true for root.</summary>
    private static bool CompileMerge(AggregatePartDefinition definition, Action<string, string> error)
    {
        switch (definition.Merge)
        {
            case null or "member":
                return false;
            case "root":
                if (definition.Member is not null)
                {
                    error("member", "a part merged into the root has no member of its own");
                }

                return true;
            default:
                error("merge", $"'{definition.Merge}' is not 'member' or 'root'");
                return false;
        }
    }

    /// <summary><c>fallback</c>: optional parts only, and an object for a part merged into the root.</summary>
    private static void CheckFallback(AggregatePartDefinition definition, bool mergeIntoRoot, Action<string, string> error)
    {
        if (definition.Fallback is not { } fallback)
        {
            return;
        }

        if (definition.Optional != true)
        {
            error("fallback", "only an optional part has a fallback (set \"optional\": true)");
        }
        else if (mergeIntoRoot && fallback.ValueKind != JsonValueKind.Object)
        {
            error("fallback", "a part merged into the root needs an object as its fallback");
        }
    }

    /// <summary><c>timeout</c>: the part's own limit, shorter than the route's deadline; null when it is the deadline.</summary>
    private TimeSpan? CompileTimeout(string? text, Action<string, string> error)
    {
        if (text is null)
        {
            return null;
        }

        if (!Duration.TryParse(text, out var timeout) || timeout <= TimeSpan.Zero)
        {
            error("timeout", $"'{text}' is not a positive duration such as '500ms'");
            return null;
        }

        if (timeout > deadline)
        {
            error("timeout", $"longer than the route's deadline ({Duration.Format(deadline)}), so it would never apply");
            return null;
        }

        return timeout < deadline ? timeout : null;
    }

    /// <summary><c>pointer</c>: an RFC 6901 JSON pointer selecting the data; null for none or the whole answer.</summary>
    private static JsonPathSelector? CompilePointer(string? text, Action<string, string> error)
    {
        if (text is null)
        {
            return null;
        }

        var pointer = JsonPathSelector.ParsePointer(text, out var pointerError);
        if (pointer is null)
        {
            error("pointer", pointerError!);
            return null;
        }

        return pointer.IsWhole ? null : pointer;
    }

    /// <summary><c>fields</c>: the members kept, none empty or listed twice.</summary>
    private static void CheckFields(IReadOnlyList<string>? fields, Action<string, string> error)
    {
        if (fields is null)
        {
            return;
        }

        if (fields.Count == 0)
        {
            error("fields", "an empty list keeps nothing; leave 'fields' out to keep every member");
        }
        else if (fields.Any(f => f.Length == 0))
        {
            error("fields", "field names cannot be empty");
        }
        else if (fields.Distinct(StringComparer.Ordinal).Count() != fields.Count)
        {
            error("fields", "a field is listed twice");
        }
    }

    /// <summary><c>rename</c>: old name to new name, none empty, no two renamed alike.</summary>
    private static void CheckRename(IReadOnlyDictionary<string, string>? rename, Action<string, string> error)
    {
        if (rename is null)
        {
            return;
        }

        if (rename.Any(r => r.Key.Length == 0 || r.Value.Length == 0))
        {
            error("rename", "names cannot be empty");
        }
        else if (rename.Values.Distinct(StringComparer.Ordinal).Count() != rename.Count)
        {
            error("rename", "two members are renamed to the same name");
        }
    }
}
