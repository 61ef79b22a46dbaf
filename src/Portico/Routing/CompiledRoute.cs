using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Portico.Configuration;
using Portico.Dispatch;

namespace Portico.Routing;

/// <summary>
/// A route ready to serve: its template parsed and its matcher, rewriter and handler built once,
/// when the snapshot is compiled, so that a request only reads it.
/// </summary>
internal sealed class CompiledRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly KeyValuePair<string, IRouteConstraint>[] _constraints;
    private readonly string[]? _methods;
    private readonly HostPattern[]? _hosts;
    private readonly string? _catchAllPrefix;

    // The values filled by a match that only has to decide (RouteTable without a dictionary): this thread's scratch
    // dictionary, emptied after every match.
    [ThreadStatic]
    private static RouteValueDictionary? t_scratch;

    public CompiledRoute(
        RouteDefinition definition,
        RoutePattern pattern,
        KeyValuePair<string, IRouteConstraint>[] constraints,
        string[]? methods,
        HostPattern[]? hosts,
        PathRewriter rewriter,
        IRouteDispatcher dispatcher,
        long maxRequestBodySize)
    {
        Definition = definition;
        Pattern = pattern;
        var template = new RouteTemplate(pattern);
        _matcher = new TemplateMatcher(template, new RouteValueDictionary(pattern.Defaults));
        Precedence = RoutePrecedence.ComputeInbound(template);
        _constraints = constraints;
        _methods = methods;
        _hosts = hosts;
        Rewriter = rewriter;
        Dispatcher = dispatcher;
        MaxRequestBodySize = maxRequestBodySize;
        FirstLiteral = pattern.PathSegments is [{ Parts: [RoutePatternLiteralPart literal] }, ..] ? literal.Content : null;
        IsRootOnly = pattern.PathSegments.Count == 0;
        _catchAllPrefix = constraints.Length == 0 ? CatchAllPrefix(pattern) : null;
    }

    /// <summary>Requests per client address before authentication (<c>addressRateLimit</c>); null when unlimited.</summary>
    public AddressLimits.AddressRate? AddressRate { get; init; }

    /// <summary>The route's CORS policy (<c>cors</c>); null when the gateway adds no CORS headers.</summary>
    public Cors.CorsPolicy? Cors { get; init; }

    /// <summary>Security headers set on the route's responses (<c>securityHeaders</c> over <c>Portico:SecurityHeaders</c>); null when none.</summary>
    public SecurityHeaders.SecurityHeaderSet? SecurityHeaders { get; init; }

    /// <summary>Who may call by address (<c>ipRestriction</c>); null when anyone may.</summary>
    public Security.IpRestriction? ClientAddresses { get; init; }

    /// <summary>The route's request filter (<c>waf</c>, over <c>Portico:Waf</c>); null when the route is not inspected.</summary>
    public Waf.WafPolicy? Waf { get; init; }

    /// <summary>The route as configured.</summary>
    public RouteDefinition Definition { get; }

    /// <summary>The route id.</summary>
    public string Id => Definition.Id;

    /// <summary>The parsed match template.</summary>
    public RoutePattern Pattern { get; }

    /// <summary>ASP.NET Core's inbound precedence: lower is more specific (literal, then parameter, then catch-all).</summary>
    public decimal Precedence { get; }

    /// <summary>The explicit tie-breaker; higher wins.</summary>
    public int Priority => Definition.Match.Priority ?? 0;

    /// <summary>The first path segment when it is a plain literal; routes are bucketed by it.</summary>
    public string? FirstLiteral { get; }

    /// <summary>True for the template <c>/</c>.</summary>
    public bool IsRootOnly { get; }

    /// <summary>How the upstream path is built.</summary>
    public PathRewriter Rewriter { get; }

    /// <summary>What answers a matched request.</summary>
    public IRouteDispatcher Dispatcher { get; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodySize { get; }

    /// <summary>The rate-limit policies of this route, per plan, compiled with the snapshot.</summary>
    public RateLimiting.RouteRateLimits RateLimits { get; init; } = RateLimiting.RouteRateLimits.None;

    /// <summary>The route's response cache policy; null when the route does not cache.</summary>
    public Caching.CachePolicy? Cache { get; init; }

    /// <summary>
    /// Where an unsafe request through this route invalidates stored responses (RFC 9111 §4.4), also when the route
    /// caches nothing itself; null when no route of the snapshot caches.
    /// </summary>
    public Caching.CacheInvalidation? CacheInvalidation { get; init; }

    /// <summary>The route's request validation (docs/validation.md); null when it validates nothing.</summary>
    public Validation.RouteValidation? Validation { get; init; }

    /// <summary>The route's compiled authentication policy and authorization requirements.</summary>
    public Auth.RouteAuth Auth { get; init; } = Portico.Auth.RouteAuth.Anonymous;

    /// <summary>1 when the route names hosts exactly, 0.5 for wildcards only, 0 for any host.</summary>
    public double HostSpecificity => _hosts is null ? 0 : _hosts.Any(h => h.IsExact) ? 1 : 0.5;

    /// <summary>Whether the route names methods.</summary>
    public bool HasMethods => _methods is not null;

    /// <summary>The methods named, for the <c>Allow</c> header of a 405.</summary>
    public IReadOnlyList<string>? Methods => _methods;

    public bool MatchesMethod(string method)
    {
        if (_methods is null)
        {
            return true;
        }

        foreach (var m in _methods)
        {
            if (string.Equals(m, method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public bool MatchesHost(HostString host)
    {
        if (_hosts is null)
        {
            return true;
        }

        foreach (var h in _hosts)
        {
            if (h.Matches(host))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the path matches and passes the inline constraints, without keeping the route values. A template of
    /// literal segments ending in a catch-all without constraints (<c>/plain/{**rest}</c>) matches a path that starts
    /// with those segments and goes on with a non-empty segment: decided here without running the matcher, whose
    /// first pass accepts exactly such a path and whose second only captures the values (issue 25, allocation and
    /// CPU per request). Every other path goes through the matcher.
    /// </summary>
    public bool MatchesPath(HttpContext context, PathString path)
    {
        if (_catchAllPrefix is { } prefix && ContinuesAfter(path.Value, prefix))
        {
            return true;
        }

        var scratch = t_scratch ??= new RouteValueDictionary();
        try
        {
            return MatchesPath(context, path, scratch);
        }
        finally
        {
            scratch.Clear();
        }
    }

    /// <summary>Matches the path and checks inline constraints; fills <paramref name="values"/> on success.</summary>
    public bool MatchesPath(HttpContext context, PathString path, RouteValueDictionary values)
    {
        if (!_matcher.TryMatch(path, values))
        {
            return false;
        }

        foreach (var (name, constraint) in _constraints)
        {
            if (!constraint.Match(context, null, name, values, RouteDirection.IncomingRequest))
            {
                return false;
            }
        }

        return true;
    }

    // "/a/b" for the template "/a/b/{**rest}": literal segments only, then a catch-all parameter; null otherwise.
    private static string? CatchAllPrefix(RoutePattern pattern)
    {
        var segments = pattern.PathSegments;
        if (segments.Count < 2
            || segments[^1] is not { IsSimple: true, Parts: [RoutePatternParameterPart { IsCatchAll: true, ParameterPolicies.Count: 0 }] })
        {
            return null;
        }

        var prefix = new System.Text.StringBuilder();
        for (var i = 0; i < segments.Count - 1; i++)
        {
            if (segments[i] is not { IsSimple: true, Parts: [RoutePatternLiteralPart literal] })
            {
                return null;
            }

            prefix.Append('/').Append(literal.Content);
        }

        return prefix.ToString();
    }

    // The path is the prefix's segments (compared as the matcher compares literals), a slash and a segment that is
    // not empty: "/plain/1k" after "/plain", not "/plain", "/plain/" or "/plain//1k", which the matcher decides.
    private static bool ContinuesAfter(string? path, string prefix) =>
        path is not null
        && path.Length > prefix.Length + 1
        && path[prefix.Length] == '/'
        && path[prefix.Length + 1] != '/'
        && path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
}
