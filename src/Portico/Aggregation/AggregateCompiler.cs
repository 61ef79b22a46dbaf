using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Registry;
using Portico.Security;

namespace Portico.Aggregation;

/// <summary>
/// Validates a composite route and compiles it into an <see cref="AggregateDispatcher"/>: templates parsed and
/// bound, the parts ordered into a DAG (cycles and unknown parts or backends are errors naming the route and
/// part), limits resolved. Runs once per snapshot, never per request.
/// </summary>
internal sealed partial class AggregateCompiler(AggregateRuntime runtime, IOptions<PorticoOptions> options)
{
    // The built-in policy that lets every caller through: a route with it has no identity to read.
    private const string AnonymousPolicy = "anonymous";

    private static readonly string[] ReservedNames = ["route", "query", "header", "identity", "claim", "body"];
    private static readonly string[] IdentityFields = ["consumerId", "subject", "method"];

    // Headers Portico owns on a part call: framing (RFC 9110 §6, §7.6.1), Host, and Accept-Encoding, because
    // Portico must read the answer and does not decompress it.
    private static readonly string[] OwnedHeaders =
    [
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Connection", "Proxy-Authorization", "Accept-Encoding", "traceparent", "tracestate",
    ];

    private readonly string _identityPrefix = options.Value.IdentityHeaderPrefix;

    /// <summary>
    /// Compiles <paramref name="definition"/>, the target of <paramref name="route"/>; null after reporting every
    /// problem to <paramref name="error"/> (field, message).
    /// </summary>
    public AggregateDispatcher? Compile(
        RouteDefinition route,
        AggregateDefinition definition,
        RoutePattern? pattern,
        IReadOnlyDictionary<string, CompiledBackend> backends,
        Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        var parts = definition.Parts;
        if (parts.Count == 0)
        {
            Error("aggregate.parts", "a composite route needs at least one part");
            return null;
        }

        if (parts.Count > AggregateLimits.MaxParts)
        {
            Error("aggregate.parts", $"at most {AggregateLimits.MaxParts} parts: each is a backend call made for one client request");
            return null;
        }

        var timeout = AggregateLimits.DefaultTimeout;
        if (definition.Timeout is not null)
        {
            if (!Duration.TryParse(definition.Timeout, out timeout) || timeout <= TimeSpan.Zero)
            {
                Error("aggregate.timeout", $"'{definition.Timeout}' is not a positive duration such as '2s' or '500ms'");
            }
            else if (timeout > RegistryCompiler.MaxActivityTimeout)
            {
                Error("aggregate.timeout", $"at most {Duration.Format(RegistryCompiler.MaxActivityTimeout)}: the Functions host ends every response at 230s");
            }
        }

        var maxConcurrency = definition.MaxConcurrency ?? AggregateLimits.DefaultMaxConcurrency;
        if (maxConcurrency is < 1 or > AggregateLimits.MaxConcurrency)
        {
            Error("aggregate.maxConcurrency", $"must be between 1 and {AggregateLimits.MaxConcurrency}");
        }

        var maxResponseSize = definition.MaxResponseSize ?? AggregateLimits.DefaultMaxResponseSize;
        CheckSize("aggregate.maxResponseSize", maxResponseSize, Error);

        // Names first, so that any part may refer to any other regardless of order.
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            var name = parts[i].Name;
            if (!PartName().IsMatch(name))
            {
                Error($"aggregate.parts[{i}].name", $"'{name}' is not a part name: 1 to 64 letters, digits, '_' or '-', starting with a letter or '_'");
            }
            else if (ReservedNames.Contains(name, StringComparer.Ordinal))
            {
                Error($"aggregate.parts[{i}].name", $"'{name}' is reserved for placeholders ({{{name}.…}}); choose another part name");
            }
            else if (!names.TryAdd(name, i))
            {
                Error($"aggregate.parts[{i}].name", $"duplicate part name '{name}': aggregate.parts[{names[name]}] has it already");
            }
        }

        var inputs = new RequestInputs();
        var compiled = new AggregatePart?[parts.Count];
        var context = new PartContext(route, pattern, names, inputs, timeout, backends);
        for (int i = 0; i < parts.Count; i++)
        {
            compiled[i] = CompilePart(parts[i], i, context, Error);
        }

        CheckMembers(parts, Error);
        if (failed)
        {
            return null;
        }

        var ready = compiled.Select(p => p!).ToArray();
        var order = Order(ready, parts, Error);
        CheckRequiredDependencies(ready, Error);
        if (failed || order is null)
        {
            return null;
        }

        return new AggregateDispatcher(
            route.Id, ready, order, timeout, maxConcurrency, maxResponseSize, inputs,
            readsClientBody: inputs.ReadsBody || ready.Any(p => p.ForwardBody), runtime);
    }

    private AggregatePart? CompilePart(AggregatePartDefinition definition, int index, PartContext context, Action<string, string> error)
    {
        var ok = true;
        void Error(string field, string message)
        {
            ok = false;
            error($"aggregate.parts[{index}].{field}", $"part '{definition.Name}': {message}");
        }

        if (!context.Backends.TryGetValue(definition.Backend, out var backend))
        {
            Error("backend", $"unknown backend '{definition.Backend}'");
        }

        var method = (definition.Method ?? "GET").ToUpperInvariant() switch
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
            Error("method", $"'{definition.Method}' is not one of GET, POST, PUT, PATCH, DELETE");
        }

        var dependencies = new SortedSet<int>();
        var uses = new List<InputUse>();
        ValueReference? BindIn(Placeholder placeholder, string field) => Bind(placeholder, index, context, dependencies, message => Error(field, message));

        ValueTemplate? path = null;
        if (!definition.Path.StartsWith('/'))
        {
            Error("path", "must start with '/'");
        }
        else if (definition.Path.Contains('#'))
        {
            Error("path", "a fragment ('#') is never sent to a server");
        }
        else if (definition.Path.Split('?')[0].Split('/').Any(s => s is "." or ".."))
        {
            Error("path", "'.' and '..' segments are not allowed");
        }
        else
        {
            path = ValueTemplate.Parse(definition.Path, isUrl: true, p => BindIn(p, "path"), m => Error("path", m));
            foreach (var segment in path?.Placeholders ?? [])
            {
                AddUse(uses, segment.Value!, segment.Optional, segment.InQuery ? InputContext.Query : InputContext.Path);
            }
        }

        var hasBody = definition.ForwardBody == true || definition.Body is not null;
        if (definition.ForwardBody == true && definition.Body is not null)
        {
            Error("body", "set 'body' or 'forwardBody', not both");
        }

        if (hasBody && method == HttpMethod.Get)
        {
            Error(definition.Body is null ? "forwardBody" : "body", "a GET call has no body (RFC 9110 §9.3.1); use POST, PUT, PATCH or DELETE");
        }

        var headers = new List<(string, ValueTemplate, bool)>();
        var setsAccept = false;
        foreach (var (name, value) in definition.Headers ?? new Dictionary<string, string>())
        {
            var field = $"headers.{name}";
            if (!HeaderName().IsMatch(name))
            {
                Error(field, $"'{name}' is not a valid header name");
                continue;
            }

            if (OwnedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase))
            {
                Error(field, $"'{name}' is set by Portico");
                continue;
            }

            if (HeaderHygiene.IsReserved(name, _identityPrefix))
            {
                Error(field, $"'{name}' is reserved: Portico writes forwarding and identity headers itself");
                continue;
            }

            var isContent = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase);
            if (isContent && !hasBody)
            {
                Error(field, $"'{name}' describes a body, and this call sends none");
                continue;
            }

            setsAccept |= name.Equals("Accept", StringComparison.OrdinalIgnoreCase);
            var template = ValueTemplate.Parse(value, isUrl: false, p => BindIn(p, field), m => Error(field, m));
            if (template is null)
            {
                continue;
            }

            if (template.Literal is { } literal && ValueTemplate.IsUnsafeHeaderValue(literal))
            {
                Error(field, "the value contains a line break");
                continue;
            }

            foreach (var segment in template.Placeholders)
            {
                AddUse(uses, segment.Value!, segment.Optional, InputContext.Header);
            }

            headers.Add((name, template, isContent));
        }

        JsonBodyTemplate? body = null;
        if (definition.Body is { } bodyJson)
        {
            body = JsonBodyTemplate.Compile(bodyJson, p => BindIn(p, "body"), m => Error("body", m));
            foreach (var (value, optional, exact) in body?.Placeholders ?? [])
            {
                AddUse(uses, value, optional, exact ? InputContext.Json : InputContext.Text);
            }
        }

        var optionalPart = definition.Optional == true;
        var mergeIntoRoot = false;
        switch (definition.Merge)
        {
            case null or "member":
                break;
            case "root":
                mergeIntoRoot = true;
                if (definition.Member is not null)
                {
                    Error("member", "a part merged into the root has no member of its own");
                }

                break;
            default:
                Error("merge", $"'{definition.Merge}' is not 'member' or 'root'");
                break;
        }

        if (definition.Fallback is { } fallback)
        {
            if (!optionalPart)
            {
                Error("fallback", "only an optional part has a fallback (set \"optional\": true)");
            }
            else if (mergeIntoRoot && fallback.ValueKind != JsonValueKind.Object)
            {
                Error("fallback", "a part merged into the root needs an object as its fallback");
            }
        }

        TimeSpan? timeout = null;
        if (definition.Timeout is not null)
        {
            if (!Duration.TryParse(definition.Timeout, out var partTimeout) || partTimeout <= TimeSpan.Zero)
            {
                Error("timeout", $"'{definition.Timeout}' is not a positive duration such as '500ms'");
            }
            else if (partTimeout > context.Deadline)
            {
                Error("timeout", $"longer than the route's deadline ({Duration.Format(context.Deadline)}), so it would never apply");
            }
            else if (partTimeout < context.Deadline)
            {
                timeout = partTimeout;
            }
        }

        var maxResponseSize = definition.MaxResponseSize ?? AggregateLimits.DefaultPartMaxResponseSize;
        CheckSize("maxResponseSize", maxResponseSize, Error);

        JsonPathSelector? pointer = null;
        if (definition.Pointer is { } pointerText)
        {
            pointer = JsonPathSelector.ParsePointer(pointerText, out var pointerError);
            if (pointer is null)
            {
                Error("pointer", pointerError!);
            }
            else if (pointer.IsWhole)
            {
                pointer = null;
            }
        }

        if (definition.Fields is { } fields)
        {
            if (fields.Count == 0)
            {
                Error("fields", "an empty list keeps nothing; leave 'fields' out to keep every member");
            }
            else if (fields.Any(f => f.Length == 0))
            {
                Error("fields", "field names cannot be empty");
            }
            else if (fields.Distinct(StringComparer.Ordinal).Count() != fields.Count)
            {
                Error("fields", "a field is listed twice");
            }
        }

        if (definition.Rename is { } rename)
        {
            if (rename.Any(r => r.Key.Length == 0 || r.Value.Length == 0))
            {
                Error("rename", "names cannot be empty");
            }
            else if (rename.Values.Distinct(StringComparer.Ordinal).Count() != rename.Count)
            {
                Error("rename", "two members are renamed to the same name");
            }
        }

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
            Headers = [.. headers],
            SetsAccept = setsAccept,
            ForwardBody = definition.ForwardBody == true,
            Body = body,
            Optional = optionalPart,
            Fallback = definition.Fallback,
            Timeout = timeout,
            MaxResponseSize = maxResponseSize,
            MergeIntoRoot = mergeIntoRoot,
            Member = JsonEncodedText.Encode(definition.Member ?? definition.Name, AggregateJson.Encoder),
            MemberName = definition.Member ?? definition.Name,
            Pointer = pointer,
            Shape = definition.Fields is null && definition.Rename is null ? PartShape.AsIs : new PartShape(definition.Fields, definition.Rename),
            Dependencies = [.. dependencies],
            Inputs = [.. uses],
            ActivityName = $"part {context.Route.Id}/{definition.Name}",
        };
    }

    private ValueReference? Bind(Placeholder placeholder, int self, PartContext context, SortedSet<int> dependencies, Action<string> error)
    {
        var source = placeholder.Source;
        var key = placeholder.Rest;
        bool NeedsKey(string what)
        {
            if (!placeholder.HasRest || placeholder.IsPointer || key.Length == 0)
            {
                error($"'{placeholder.Text}' needs {what}, as in '{{{source}.name}}'");
                return false;
            }

            return true;
        }

        bool NeedsIdentity()
        {
            if (context.Route.Auth == AnonymousPolicy)
            {
                error($"'{placeholder.Text}' reads the caller's identity, but the route is anonymous: there is none");
                return false;
            }

            return true;
        }

        switch (source)
        {
            case "route":
                if (!NeedsKey("a route parameter"))
                {
                    return null;
                }

                if (context.Pattern is { } pattern && pattern.GetParameter(key) is null)
                {
                    var known = pattern.Parameters.Count == 0 ? "none" : string.Join(", ", pattern.Parameters.Select(p => p.Name));
                    error($"'{placeholder.Text}': match.path has no parameter '{key}' (it has: {known})");
                    return null;
                }

                return context.Inputs.Add(ValueSource.Route, key, null, $"route parameter '{key}'");
            case "query":
                return NeedsKey("a query parameter name") ? context.Inputs.Add(ValueSource.Query, key, null, $"query parameter '{key}'") : null;
            case "header":
                if (!NeedsKey("a header name"))
                {
                    return null;
                }

                if (!HeaderName().IsMatch(key))
                {
                    error($"'{placeholder.Text}': '{key}' is not a valid header name");
                    return null;
                }

                if (HeaderHygiene.IsBlocked(key, _identityPrefix))
                {
                    error($"'{placeholder.Text}': clients can forge '{key}', so Portico never reads it from them");
                    return null;
                }

                return context.Inputs.Add(ValueSource.Header, key.ToLowerInvariant(), null, $"header '{key}'");
            case "identity":
                if (!NeedsKey("an identity field") || !NeedsIdentity())
                {
                    return null;
                }

                if (!IdentityFields.Contains(key, StringComparer.Ordinal))
                {
                    error($"'{placeholder.Text}': the identity has {string.Join(", ", IdentityFields)}; use {{claim.NAME}} for other claims");
                    return null;
                }

                return context.Inputs.Add(ValueSource.Identity, key, null, $"identity {key}");
            case "claim":
                return NeedsKey("a claim name") && NeedsIdentity() ? context.Inputs.Add(ValueSource.Claim, key, null, $"claim '{key}'") : null;
            case "body":
                var bodyPath = ParsePath(placeholder, error);
                return bodyPath is null
                    ? null
                    : context.Inputs.Add(ValueSource.Body, "", bodyPath, bodyPath.IsWhole ? "the request body" : $"body field '{bodyPath.Text}'");
        }

        if (!context.Names.TryGetValue(source, out var partIndex))
        {
            error($"'{placeholder.Text}': unknown part '{source}' (placeholders start with route, query, header, identity, claim, body or a part name)");
            return null;
        }

        if (partIndex == self)
        {
            error($"'{placeholder.Text}': a part cannot read its own answer");
            return null;
        }

        var path = ParsePath(placeholder, error);
        if (path is null)
        {
            return null;
        }

        dependencies.Add(partIndex);
        return new ValueReference
        {
            Source = ValueSource.Part,
            PartIndex = partIndex,
            Path = path,
            Description = path.IsWhole ? $"the answer of part '{source}'" : $"field '{path.Text}' of part '{source}'",
        };
    }

    private static JsonPathSelector? ParsePath(Placeholder placeholder, Action<string> error)
    {
        string? pathError;
        var path = !placeholder.HasRest
            ? JsonPathSelector.ParsePointer("", out pathError)
            : placeholder.IsPointer
                ? JsonPathSelector.ParsePointer("/" + placeholder.Rest, out pathError)
                : JsonPathSelector.ParseDotted(placeholder.Rest, out pathError);
        if (path is null)
        {
            error($"'{placeholder.Text}': {pathError}");
        }

        return path;
    }

    private static void AddUse(List<InputUse> uses, ValueReference value, bool optional, InputContext context)
    {
        if (value.InputIndex >= 0)
        {
            uses.Add(new InputUse(value, optional, context));
        }
    }

    private static void CheckSize(string field, long size, Action<string, string> error)
    {
        if (size is < 1 or > AggregateLimits.MaxResponseSize)
        {
            error(field, $"must be between 1 and {AggregateLimits.MaxResponseSize} bytes (64 MiB)");
        }
    }

    private static void CheckMembers(IReadOnlyList<AggregatePartDefinition> parts, Action<string, string> error)
    {
        var members = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            if (parts[i].Merge == "root")
            {
                continue;
            }

            var member = parts[i].Member ?? parts[i].Name;
            var field = parts[i].Member is null ? "name" : "member";
            if (member == AggregateJson.MarkerMember)
            {
                error($"aggregate.parts[{i}].{field}", $"part '{parts[i].Name}': '{AggregateJson.MarkerMember}' is reserved for the partial-answer marker");
            }
            else if (!members.TryAdd(member, i))
            {
                error($"aggregate.parts[{i}].{field}", $"part '{parts[i].Name}': member '{member}' is already written by part '{parts[members[member]].Name}'");
            }
        }
    }

    /// <summary>Kahn's topological order of the parts; null after reporting a cycle with the parts on it.</summary>
    private static int[]? Order(AggregatePart[] parts, IReadOnlyList<AggregatePartDefinition> definitions, Action<string, string> error)
    {
        var pending = parts.Select(p => p.Dependencies.Length).ToArray();
        var dependents = parts.Select(_ => new List<int>()).ToArray();
        foreach (var part in parts)
        {
            foreach (var dependency in part.Dependencies)
            {
                dependents[dependency].Add(part.Index);
            }
        }

        var order = new List<int>(parts.Length);
        var ready = new Queue<int>(parts.Where(p => p.Dependencies.Length == 0).Select(p => p.Index));
        while (ready.TryDequeue(out var next))
        {
            order.Add(next);
            foreach (var dependent in dependents[next])
            {
                if (--pending[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        if (order.Count == parts.Length)
        {
            return [.. order];
        }

        // Every part left waits on another part left: walk dependencies from the first until one repeats.
        var start = Array.FindIndex(pending, p => p > 0);
        var path = new List<int>();
        var current = start;
        while (!path.Contains(current))
        {
            path.Add(current);
            current = parts[current].Dependencies.First(d => pending[d] > 0);
        }

        var cycle = path.Skip(path.IndexOf(current)).Append(current).Select(i => $"'{definitions[i].Name}'");
        error($"aggregate.parts[{current}]", $"part '{definitions[current].Name}': the parts depend on each other in a cycle: {string.Join(" → ", cycle)}");
        return null;
    }

    private static void CheckRequiredDependencies(AggregatePart[] parts, Action<string, string> error)
    {
        foreach (var part in parts.Where(p => !p.Optional))
        {
            foreach (var dependency in part.Dependencies.Where(d => parts[d].Optional))
            {
                error(
                    $"aggregate.parts[{part.Index}]",
                    $"part '{part.Name}' is required but reads optional part '{parts[dependency].Name}', which may fail: make '{part.Name}' optional or '{parts[dependency].Name}' required");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex PartName();

    // RFC 9110 token.
    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderName();

    private sealed record PartContext(
        RouteDefinition Route,
        RoutePattern? Pattern,
        Dictionary<string, int> Names,
        RequestInputs Inputs,
        TimeSpan Deadline,
        IReadOnlyDictionary<string, CompiledBackend> Backends);
}
