using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Portico.Aggregation;
using Portico.Auth;
using Portico.Configuration;
using Portico.Dispatch;
using Portico.Hosting;
using Portico.Proxy;
using Portico.Resilience;
using Portico.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Registry;

/// <summary>
/// Validates a registry document and compiles it into a <see cref="GatewaySnapshot"/>: templates parsed,
/// handlers built, everything a request needs prepared once. Every problem is reported, not just the first,
/// each naming the item and field.
/// </summary>
internal sealed partial class RegistryCompiler(
    IOptions<PorticoOptions> options,
    IInlineConstraintResolver constraintResolver,
    IHttpForwarder forwarder,
    UpstreamClient upstreamClient,
    GatewayHttpTransformer transformer,
    ForwardingErrors forwardingErrors,
    TimeProvider timeProvider,
    RateLimiting.RateLimitCompiler rateLimitCompiler,
    AggregateCompiler aggregateCompiler,
    ResilienceCompiler resilience,
    AuthCompiler authCompiler,
    Caching.CacheCompiler cacheCompiler)
{
    /// <summary>The Functions host cuts every HTTP response at 230 s; leave room to answer 504 before that.</summary>
    public static readonly TimeSpan MaxActivityTimeout = TimeSpan.FromSeconds(225);

    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(100);

    private readonly PorticoOptions _options = options.Value;

    public CompileResult Compile(RegistryDocument document, string revision)
    {
        var errors = new CompileErrors();
        CheckIds(document, errors);
        var backends = CompileBackends(document, errors);
        var auth = authCompiler.Compile(document, errors);
        if (_options.Admin.Policy is { Length: > 0 } adminPolicy && !auth.Defines(adminPolicy))
        {
            // A registry that drops the admin policy would lock operators out of a running gateway: refuse it instead.
            errors.AddSection("authPolicies", $"the gateway setting Portico:Admin:Policy names '{adminPolicy}', which is not defined here: the admin endpoints would have no way in");
        }

        var routes = new List<CompiledRoute>();
        for (int i = 0; i < document.Routes.Count; i++)
        {
            if (CompileRoute(document.Routes[i], i, backends, auth, errors) is { } route)
            {
                routes.Add(route);
            }
        }

        rateLimitCompiler.Compile(document, routes, errors);
        cacheCompiler.Compile(document, routes, errors);
        if (errors.Count > 0)
        {
            return new CompileResult(null, errors.All);
        }

        CheckConsumers(document, errors);
        if (errors.Count > 0)
        {
            return new CompileResult(null, errors.All);
        }

        var snapshot = new GatewaySnapshot(document, revision, RegistryDiff.ContentHash(document), timeProvider.GetUtcNow(), new RouteTable(routes), backends, authPolicies: auth.Policies);
        return new CompileResult(snapshot, []);
    }

    private static void CheckIds(RegistryDocument document, CompileErrors errors)
    {
        foreach (var section in RegistrySection.All)
        {
            var items = section.Read(document);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < items.Count; i++)
            {
                var id = items[i].Id;
                var subject = $"{section.Kind} '{id}'";
                if (!IdPattern().IsMatch(id))
                {
                    errors.Add(section.Member, i, subject, "id",
                        "ids are 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
                }
                else if (!seen.TryAdd(id, i))
                {
                    errors.Add(section.Member, i, subject, "id", $"duplicate id: {section.Member}[{seen[id]}] has it already");
                }
            }
        }
    }

    private static void CheckConsumers(RegistryDocument document, CompileErrors errors)
    {
        for (int i = 0; i < document.Consumers.Count; i++)
        {
            var consumer = document.Consumers[i];
            if (consumer.Status is not (null or "active" or "disabled"))
            {
                errors.Add("consumers", i, $"consumer '{consumer.Id}'", "status", "must be 'active' or 'disabled'");
            }
        }
    }

    private Dictionary<string, CompiledBackend> CompileBackends(RegistryDocument document, CompileErrors errors)
    {
        var backends = new Dictionary<string, CompiledBackend>(StringComparer.Ordinal);
        for (int i = 0; i < document.Backends.Count; i++)
        {
            var backend = document.Backends[i];
            var subject = $"backend '{backend.Id}'";
            if (!Uri.TryCreate(backend.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add("backends", i, subject, "url", $"'{backend.Url}' is not an absolute http or https URL");
                continue;
            }

            if (url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
            {
                errors.Add("backends", i, subject, "url", "the URL must not carry a query, a fragment or credentials");
                continue;
            }

            var resilienceSettings = resilience.CompileBackend(backend.Resilience, (field, message) => errors.Add("backends", i, subject, field, message));
            if (resilienceSettings is null)
            {
                backends.TryAdd(backend.Id, new CompiledBackend(backend, upstreamClient)); // reported; routes that use it need no second error
                continue;
            }

            var compiled = new CompiledBackend(backend, upstreamClient, resilience.BuildBackend(backend, resilienceSettings, upstreamClient));
            compiled.UseResilientInvoker(resilience.BuildDefault(compiled));
            backends.TryAdd(backend.Id, compiled);
        }

        return backends;
    }

    private CompiledRoute? CompileRoute(RouteDefinition route, int index, Dictionary<string, CompiledBackend> backends, CompiledAuth auth, CompileErrors errors)
    {
        var subject = $"route '{route.Id}'";
        var before = errors.Count;
        void Error(string field, string message) => errors.Add("routes", index, subject, field, message);

        var pattern = ParseTemplate(route.Match.Path, Error);
        var constraints = pattern is null ? [] : ResolveConstraints(pattern, Error);
        var methods = CompileMethods(route.Match.Methods, Error);
        var hosts = CompileHosts(route.Match.Hosts, Error);

        var activityTimeout = DefaultActivityTimeout;
        if (route.ActivityTimeout is not null)
        {
            if (!Duration.TryParse(route.ActivityTimeout, out activityTimeout) || activityTimeout <= TimeSpan.Zero)
            {
                Error("activityTimeout", $"'{route.ActivityTimeout}' is not a positive duration such as '30s' or '500ms'");
            }
            else if (activityTimeout > MaxActivityTimeout)
            {
                Error("activityTimeout", $"at most {Duration.Format(MaxActivityTimeout)}: the Functions host ends every response at 230s");
            }
        }

        var maxBody = route.MaxRequestBodySize ?? _options.Limits.MaxRequestBodySize;
        if (route.MaxRequestBodySize is null && route.Aggregate is not null)
        {
            // A composite route buffers the client body (several parts may read it): a tighter default.
            maxBody = Math.Min(maxBody, AggregateLimits.DefaultMaxRequestBodySize);
        }

        if (maxBody < 0)
        {
            Error("maxRequestBodySize", "must be 0 or more bytes");
        }

        var routeAuth = auth.CompileRoute(route, Error);
        var resilienceSettings = resilience.CompileRoute(route, backends.ContainsKey, Error);

        var targets = (route.Backend is null ? 0 : 1) + (route.Static is null ? 0 : 1) + (route.Aggregate is null ? 0 : 1);
        if (targets != 1)
        {
            Error("", "set exactly one target: 'backend' (proxy), 'static' (fixed response) or 'aggregate' (composite)");
        }

        PathRewriter rewriter = PathRewriter.None;
        if (route.Rewrite is { } rewrite)
        {
            if (route.Backend is null)
            {
                Error("rewrite", "only proxy routes (with 'backend') rewrite paths");
            }
            else if ((rewrite.StripPrefix is null) == (rewrite.Path is null))
            {
                Error("rewrite", "set exactly one of 'stripPrefix' or 'path'");
            }
            else if (rewrite.StripPrefix is { } prefix)
            {
                if (!prefix.StartsWith('/') || prefix.Contains('{') || prefix.Contains('?'))
                {
                    Error("rewrite.stripPrefix", "must be a literal path starting with '/'");
                }
                else
                {
                    rewriter = PathRewriter.StripPrefix(prefix);
                }
            }
            else if (pattern is not null)
            {
                var compiled = PathRewriter.FromTemplate(rewrite.Path!, pattern, out var rewriteError);
                if (compiled is null)
                {
                    Error("rewrite.path", rewriteError!);
                }
                else
                {
                    rewriter = compiled;
                }
            }
        }

        IRouteDispatcher? dispatcher = null;
        if (route.Backend is { } backendId)
        {
            if (!backends.TryGetValue(backendId, out var backend))
            {
                Error("backend", $"unknown backend '{backendId}'");
            }
            else
            {
                var config = new ForwarderRequestConfig { ActivityTimeout = activityTimeout };
                dispatcher = new ProxyDispatcher(backend, config, forwarder, transformer, forwardingErrors,
                    resilienceSettings is null ? null : resilience.BuildRoute(route.Id, backend, resilienceSettings, backends));
            }
        }
        else if (route.Static is { } staticResponse)
        {
            dispatcher = CompileStatic(staticResponse, Error);
        }
        else if (route.Aggregate is { } aggregate)
        {
            dispatcher = aggregateCompiler.Compile(route, aggregate, pattern, backends, Error);
        }

        if (errors.Count > before || pattern is null || dispatcher is null || routeAuth is null)
        {
            return null;
        }

        return new CompiledRoute(route, pattern, constraints, methods, hosts, rewriter, dispatcher, maxBody) { Auth = routeAuth };
    }

    private RoutePattern? ParseTemplate(string path, Action<string, string> error)
    {
        if (!path.StartsWith('/'))
        {
            error("match.path", "must start with '/'");
            return null;
        }

        var prefix = new PathString(_options.EndpointPrefix);
        if (new PathString(path.Split('{')[0].TrimEnd('/')).StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
        {
            error("match.path", $"'{_options.EndpointPrefix}' is reserved for Portico's own endpoints");
            return null;
        }

        try
        {
            return RoutePatternFactory.Parse(path);
        }
        catch (RoutePatternException ex)
        {
            error("match.path", $"invalid route template: {ex.Message}");
            return null;
        }
    }

    private KeyValuePair<string, IRouteConstraint>[] ResolveConstraints(RoutePattern pattern, Action<string, string> error)
    {
        var result = new List<KeyValuePair<string, IRouteConstraint>>();
        foreach (var (name, policies) in pattern.ParameterPolicies)
        {
            foreach (var policy in policies)
            {
                if (policy.Content is null)
                {
                    continue;
                }

                IRouteConstraint? constraint = null;
                try
                {
                    constraint = constraintResolver.ResolveConstraint(policy.Content);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or RouteCreationException)
                {
                    // Reported below as unknown; the resolver's message names .NET types.
                }

                if (constraint is null)
                {
                    error("match.path", $"unknown route constraint '{policy.Content}' on '{{{name}}}'");
                    continue;
                }

                result.Add(new(name, constraint));
            }
        }

        return [.. result];
    }

    private static string[]? CompileMethods(IReadOnlyList<string>? methods, Action<string, string> error)
    {
        if (methods is null)
        {
            return null;
        }

        if (methods.Count == 0)
        {
            error("match.methods", "an empty list matches nothing; leave 'methods' out to match every method");
            return null;
        }

        var result = new List<string>();
        foreach (var method in methods)
        {
            if (!TokenPattern().IsMatch(method))
            {
                error("match.methods", $"'{method}' is not an HTTP method");
                continue;
            }

            // Known methods are interned so matching compares the same strings Kestrel hands out.
            result.Add(HttpMethods.GetCanonicalizedValue(method.ToUpperInvariant()));
        }

        return [.. result.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static HostPattern[]? CompileHosts(IReadOnlyList<string>? hosts, Action<string, string> error)
    {
        if (hosts is null)
        {
            return null;
        }

        if (hosts.Count == 0)
        {
            error("match.hosts", "an empty list matches nothing; leave 'hosts' out to match every host");
            return null;
        }

        var result = new List<HostPattern>();
        foreach (var host in hosts)
        {
            if (HostPattern.TryParse(host, out var hostError) is { } parsed)
            {
                result.Add(parsed);
            }
            else
            {
                error("match.hosts", hostError!);
            }
        }

        return [.. result];
    }

    internal static StaticResponseDispatcher? CompileStatic(StaticResponseDefinition definition, Action<string, string> error)
    {
        var status = definition.Status ?? 200;
        if (status is < 200 or > 599)
        {
            error("static.status", "must be between 200 and 599");
            return null;
        }

        if (definition.Body is not null && definition.Json is not null)
        {
            error("static", "set 'body' or 'json', not both");
            return null;
        }

        byte[] body = definition.Json is { } json
            ? JsonSerializer.SerializeToUtf8Bytes(json)
            : Encoding.UTF8.GetBytes(definition.Body ?? "");
        if (body.Length > 0 && (status is 204 or 304 || status < 200))
        {
            error("static.body", $"a {status} response has no body");
            return null;
        }

        var headers = new List<KeyValuePair<string, StringValues>>();
        foreach (var (name, value) in definition.Headers ?? new Dictionary<string, string>())
        {
            if (!TokenPattern().IsMatch(name))
            {
                error("static.headers", $"'{name}' is not a valid header name");
            }
            else if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                     || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
                     || name.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                error("static.headers", $"'{name}' is set by Portico (use 'contentType' for the media type)");
            }
            else if (value.Any(c => c is '\r' or '\n' or '\0'))
            {
                error("static.headers", $"the value of '{name}' contains a line break");
            }
            else
            {
                headers.Add(new(name, value));
            }
        }

        var contentType = definition.ContentType ?? (definition.Json is not null ? "application/json" : "text/plain; charset=utf-8");
        if (!MediaTypeHeaderValue.TryParse(contentType, out _))
        {
            error("static.contentType", $"'{contentType}' is not a media type");
            return null;
        }

        return new StaticResponseDispatcher(status, contentType, [.. headers], body);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    // RFC 9110 token: what method and header names are made of.
    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex TokenPattern();
}
