using System.Buffers;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Portico.Aggregation;
using Portico.Auth;
using Portico.Configuration;
using Portico.Dispatch;
using Portico.Hosting;
using Portico.Proxy;
using Portico.RateLimiting;
using Portico.Resilience;
using Portico.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Registry;

/// <summary>
/// Validates a registry document and compiles it into a <see cref="GatewaySnapshot"/>: templates parsed,
/// handlers built, everything a request needs prepared once. Every problem is reported, not just the first,
/// each naming the item and field.
/// </summary>
internal sealed class RegistryCompiler(
    IOptions<PorticoOptions> options,
    IInlineConstraintResolver constraintResolver,
    IHttpForwarder forwarder,
    UpstreamClient upstreamClient,
    GatewayHttpTransformer transformer,
    ForwardingErrors forwardingErrors,
    TimeProvider timeProvider,
    RateLimitCompiler rateLimitCompiler,
    AggregateCompiler aggregateCompiler,
    ResilienceCompiler resilience,
    AuthCompiler authCompiler,
    Caching.CacheCompiler cacheCompiler,
    WebSockets.WebSocketCompiler webSocketCompiler,
    Discovery.DiscoveryCompiler discovery,
    GraphQL.GraphQLCompiler graphQLCompiler,
    WebPubSub.WebPubSubCompiler webPubSubCompiler,
    Transcoding.TranscodingCompiler transcodingCompiler)
{
    /// <summary>The Functions host cuts every HTTP response at 230 s; leave room to answer 504 before that.</summary>
    public static readonly TimeSpan MaxActivityTimeout = TimeSpan.FromSeconds(225);

    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(100);

    private readonly PorticoOptions _options = options.Value;
    private readonly RouteMatchCompiler _match = new(options, constraintResolver);

    /// <summary>
    /// Compiles <paramref name="document"/>; relative paths in it (schema and OpenAPI files) are read from
    /// <paramref name="baseDirectory"/>, the registry file's folder (the working directory when null).
    /// </summary>
    public CompileResult Compile(RegistryDocument document, string revision, string? baseDirectory = null)
    {
        var errors = new CompileErrors();
        var validation = new Validation.ValidationCompilation(baseDirectory);
        CheckIds(document, errors);
        var backends = CompileBackends(document, errors);
        var auth = authCompiler.Compile(document, errors);
        if (_options.Admin.Policy is { Length: > 0 } adminPolicy && !auth.Defines(adminPolicy))
        {
            // A registry that drops the admin policy would lock operators out of a running gateway: refuse it instead.
            errors.AddSection("authPolicies", $"the gateway setting Portico:Admin:Policy names '{adminPolicy}', which is not defined here: the admin endpoints would have no way in");
        }

        // Rate limits and caching are compiled before the routes, so that each route is built whole and never changes
        // after; their errors are still reported after the routes' own.
        var rateLimitErrors = new CompileErrors();
        var rateLimits = rateLimitCompiler.Compile(document, rateLimitErrors);
        var cacheErrors = new CompileErrors();
        var caching = cacheCompiler.Compile(document, cacheErrors);
        var routes = new List<CompiledRoute>();
        for (int i = 0; i < document.Routes.Count; i++)
        {
            if (CompileRoute(document.Routes[i], i, backends, auth, rateLimits[i], caching[i], validation, errors, baseDirectory) is { } route)
            {
                routes.Add(route);
            }
        }

        errors.Add(rateLimitErrors);
        errors.Add(cacheErrors);
        if (errors.Count > 0)
        {
            return new CompileResult(null, errors.All);
        }

        CheckConsumers(document, errors);
        if (errors.Count > 0)
        {
            return new CompileResult(null, errors.All);
        }

        var snapshot = new GatewaySnapshot(document, revision, timeProvider.GetUtcNow(), new RouteTable(routes), backends, authPolicies: auth.Policies);
        return new CompileResult(snapshot, []);
    }

    private static void CheckIds(RegistryDocument document, CompileErrors errors)
    {
        foreach (var section in RegistrySection.All)
        {
            var ids = section.Ids(document);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < ids.Count; i++)
            {
                var id = ids[i];
                var subject = $"{section.Kind} '{id}'";
                if (!IsId(id))
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
            if (backend.Url is not null && BackendUrl.Problem(backend.Url) is { } problem)
            {
                errors.Add("backends", i, subject, "url", problem);
                continue;
            }

            var errorCount = errors.Count;
            var cluster = discovery.Compile(backend, (field, message) => errors.Add("backends", i, subject, field, message));
            if (errors.Count > errorCount)
            {
                continue;
            }

            if (backend.Protocol is not (null or "http" or "grpc"))
            {
                errors.Add("backends", i, subject, "protocol", $"'{backend.Protocol}' is not 'http' or 'grpc'");
                continue;
            }

            var resilienceSettings = resilience.CompileBackend(backend.Resilience, (field, message) => errors.Add("backends", i, subject, field, message));
            if (resilienceSettings is null)
            {
                backends.TryAdd(backend.Id, new CompiledBackend(backend, upstreamClient, cluster: cluster)); // reported; routes that use it need no second error
                continue;
            }

            var compiled = new CompiledBackend(backend, upstreamClient, resilience.BuildBackend(backend, resilienceSettings, upstreamClient), cluster);
            compiled.UseResilientInvoker(resilience.BuildDefault(compiled));
            backends.TryAdd(backend.Id, compiled);
        }

        return backends;
    }

    /// <summary>
    /// Compiles one <c>routes[]</c> item, field by field as docs/configuration.md lists them: <c>match</c>, the limits
    /// (<c>activityTimeout</c>, <c>maxRequestBodySize</c>), authentication and authorization, resilience, and the
    /// target (<c>backend</c> with its <c>rewrite</c>, <c>static</c> or <c>aggregate</c>).
    /// </summary>
    private CompiledRoute? CompileRoute(
        RouteDefinition route, int index, Dictionary<string, CompiledBackend> backends, CompiledAuth auth, RouteRateLimits rateLimits,
        Caching.RouteCaching caching, Validation.ValidationCompilation validationCompilation, CompileErrors errors, string? baseDirectory)
    {
        var before = errors.Count;
        void Error(string field, string message) => errors.Add("routes", index, $"route '{route.Id}'", field, message);

        var pattern = _match.ParseTemplate(route.Match.Path, Error);
        var constraints = pattern is null ? [] : _match.ResolveConstraints(pattern, Error);
        var methods = RouteMatchCompiler.CompileMethods(route.Match.Methods, Error);
        var hosts = RouteMatchCompiler.CompileHosts(route.Match.Hosts, Error);
        var activityTimeout = CompileActivityTimeout(route.ActivityTimeout, Error);
        var maxBody = CompileMaxRequestBodySize(route, Error);
        var routeAuth = auth.CompileRoute(route, Error);
        var clientAddresses = route.IpRestriction is { } ips
            ? Security.IpRestriction.Compile(ips.Allow, ips.Deny, (field, message) => Error("ipRestriction." + field, message))
            : null;
        var addressRate = AddressLimits.AddressRateCompiler.Compile(route.AddressRateLimit, Error);
        var cors = Cors.CorsCompiler.Compile(route.Cors, route.Match.Methods, Error);
        var securityHeaders = SecurityHeaders.SecurityHeadersCompiler.Compile(route.SecurityHeaders, _options.SecurityHeaders, Error);
        var waf = Waf.WafCompiler.Compile(_options.Waf, route.Waf, Error);
        var resilienceSettings = resilience.CompileRoute(route, backends.ContainsKey, Error);
        CheckOneTarget(route, Error);
        var rewriter = CompileRewrite(route, pattern, Error);
        var dispatcher = route.GraphQL is { } graphQL
            ? graphQLCompiler.Compile(route, graphQL, backends, baseDirectory, Error)
            : route.WebPubSub is { } webPubSub
                ? webPubSubCompiler.Compile(route, webPubSub, pattern, backends, Error)
            : route.Transcode is { } transcode ? CompileTranscoding(route, transcode, activityTimeout, resilienceSettings, backends, baseDirectory, Error)
            : CompileTarget(route, pattern, activityTimeout, resilienceSettings, backends, Error);
        var validation = validationCompilation.Compile(route, pattern, Error);
        if (errors.Count > before || pattern is null || dispatcher is null || routeAuth is null)
        {
            return null;
        }

        return new CompiledRoute(route, pattern, constraints, methods, hosts, rewriter, dispatcher, maxBody) { Auth = routeAuth, RateLimits = rateLimits, Cache = caching.Cache, CacheInvalidation = caching.Invalidation, ClientAddresses = clientAddresses, AddressRate = addressRate, Cors = cors, SecurityHeaders = securityHeaders, Validation = validation, Waf = waf };
    }

    /// <summary><c>activityTimeout</c>: how long the backend may stay silent, 100 s by default, at most 225 s.</summary>
    private static TimeSpan CompileActivityTimeout(string? text, Action<string, string> error)
    {
        var activityTimeout = DefaultActivityTimeout;
        if (text is null)
        {
            return activityTimeout;
        }

        if (!Duration.TryParse(text, out activityTimeout) || activityTimeout <= TimeSpan.Zero)
        {
            error("activityTimeout", $"'{text}' is not a positive duration such as '30s' or '500ms'");
        }
        else if (activityTimeout > MaxActivityTimeout)
        {
            error("activityTimeout", $"at most {Duration.Format(MaxActivityTimeout)}: the Functions host ends every response at 230s");
        }

        return activityTimeout;
    }

    /// <summary>
    /// <c>maxRequestBodySize</c>: the gateway's limit by default; for composite routes, which buffer the client body
    /// (several parts may read it), and routes with body validation, at most 1 MiB by default.
    /// </summary>
    private long CompileMaxRequestBodySize(RouteDefinition route, Action<string, string> error)
    {
        var maxBody = route.MaxRequestBodySize ?? _options.Limits.MaxRequestBodySize;
        if (route.MaxRequestBodySize is null && (route.Aggregate is not null || route.GraphQL is not null || route.WebPubSub is not null || route.Transcode is not null || route.Validation is { Body: not null } or { OpenApi: not null }))
        {
            // Composite routes and routes that validate bodies hold the body in memory: 1 MiB unless the route says more.
            maxBody = Math.Min(maxBody, AggregateLimits.DefaultMaxRequestBodySize);
        }

        if (maxBody < 0)
        {
            error("maxRequestBodySize", "must be 0 or more bytes");
        }

        return maxBody;
    }

    /// <summary>Exactly one of <c>backend</c>, <c>static</c> and <c>aggregate</c>.</summary>
    private static void CheckOneTarget(RouteDefinition route, Action<string, string> error)
    {
        var targets = (route.Backend is null ? 0 : 1) + (route.Static is null ? 0 : 1) + (route.Aggregate is null ? 0 : 1) + (route.GraphQL is null ? 0 : 1) + (route.WebPubSub is null ? 0 : 1);
        if (targets != 1)
        {
            error("", "set exactly one target: 'backend' (proxy), 'static' (fixed response), 'aggregate' (composite), 'graphql' or 'webPubSub'");
        }
    }

    /// <summary><c>rewrite</c>, on proxy routes: exactly one of <c>stripPrefix</c> (a literal path) and <c>path</c> (a template).</summary>
    private static PathRewriter CompileRewrite(RouteDefinition route, RoutePattern? pattern, Action<string, string> error)
    {
        if (route.Rewrite is not { } rewrite)
        {
            return PathRewriter.None;
        }

        if (route.Backend is null)
        {
            error("rewrite", "only proxy routes (with 'backend') rewrite paths");
        }
        else if ((rewrite.StripPrefix is null) == (rewrite.Path is null))
        {
            error("rewrite", "set exactly one of 'stripPrefix' or 'path'");
        }
        else if (rewrite.StripPrefix is { } prefix)
        {
            if (!prefix.StartsWith('/') || prefix.Contains('{') || prefix.Contains('?'))
            {
                error("rewrite.stripPrefix", "must be a literal path starting with '/'");
            }
            else
            {
                return PathRewriter.StripPrefix(prefix);
            }
        }
        else if (pattern is not null)
        {
            var compiled = PathRewriter.FromTemplate(rewrite.Path!, pattern, out var rewriteError);
            if (compiled is not null)
            {
                return compiled;
            }

            error("rewrite.path", rewriteError!);
        }

        return PathRewriter.None;
    }

    /// <summary>
    /// What answers the route: a proxy to <c>backend</c> (with the route's activity timeout and resilience), the
    /// <c>static</c> response, or the <c>aggregate</c> of several backend calls.
    /// </summary>
    private IRouteDispatcher? CompileTarget(
        RouteDefinition route,
        RoutePattern? pattern,
        TimeSpan activityTimeout,
        RouteResilienceSettings? resilienceSettings,
        Dictionary<string, CompiledBackend> backends,
        Action<string, string> error)
    {
        if (route.Backend is { } backendId)
        {
            if (!backends.TryGetValue(backendId, out var backend))
            {
                error("backend", $"unknown backend '{backendId}'");
                return null;
            }

            var config = Grpc.GrpcForwarding.RequestConfig(backend.Definition, activityTimeout);
            var proxy = new ProxyDispatcher(backend, config, forwarder, transformer, forwardingErrors,
                resilienceSettings is null ? null : resilience.BuildRoute(route.Id, backend, resilienceSettings, backends));
            return webSocketCompiler.Wrap(route, proxy, backend, resilienceSettings?.Timeout ?? ResilienceDefaults.Timeout, error);
        }

        if (route.WebSocket is { Enabled: not false })
        {
            error("webSocket", "only proxy routes (with 'backend') pass WebSocket connections");
        }

        if (route.Static is { } staticResponse)
        {
            return StaticResponseCompiler.Compile(staticResponse, error);
        }

        if (route.Aggregate is { } aggregate)
        {
            return aggregateCompiler.Compile(route, aggregate, pattern, backends, error);
        }

        return null;
    }

    /// <summary>
    /// A <c>transcode</c> route (docs/protocols.md#transcoding): JSON over HTTP to the methods of a <c>grpc</c> backend,
    /// through the route's resilience pipeline, with the route's timeout as each unary call's deadline.
    /// </summary>
    private IRouteDispatcher? CompileTranscoding(
        RouteDefinition route, TranscodeDefinition transcode, TimeSpan activityTimeout, RouteResilienceSettings? resilienceSettings,
        Dictionary<string, CompiledBackend> backends, string? baseDirectory, Action<string, string> error)
    {
        if (route.Backend is not { } backendId || !backends.TryGetValue(backendId, out var backend))
        {
            error("backend", route.Backend is null ? "a transcoding route needs 'backend' (a grpc backend)" : $"unknown backend '{route.Backend}'");
            return null;
        }

        var invoker = resilienceSettings is null ? backend.Invoker : resilience.BuildRoute(route.Id, backend, resilienceSettings, backends);
        return transcodingCompiler.Compile(route, transcode, backend, invoker, resilienceSettings?.Timeout ?? ResilienceDefaults.Timeout, activityTimeout, baseDirectory, error);
    }

    private static readonly SearchValues<char> IdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    // 1 to 128 of the characters above, the first a letter or digit. Checked without a regular expression, which loaded
    // the regex engine at every start for this alone (issue 25); and unlike the pattern's '$', nothing may follow.
    private static bool IsId(string id) =>
        id.Length is >= 1 and <= 128 && char.IsAsciiLetterOrDigit(id[0]) && !id.AsSpan().ContainsAnyExcept(IdCharacters);
}
