using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>
/// Which stored response may answer a request, and how (RFC 9111 §4): the variant its secondary key selects, whether
/// it is fresh, may be served stale or must be revalidated, and the request's own directives.
/// </summary>
internal static class CacheLookup
{
    /// <summary>The most recently stored variant that matches the request's secondary key (§4.1), or null.</summary>
    public static CachedResponse? Select(CachedResponse[]? group, CacheExchange exchange)
    {
        if (group is null)
        {
            return null;
        }

        CachedResponse? best = null;
        var headers = exchange.Context.HttpContext.Request.Headers;
        foreach (var entry in group)
        {
            if ((best is null || entry.ResponseTime > best.ResponseTime)
                && CacheKey.Matches(entry, exchange.Policy.RouteId, exchange.Consumer, exchange.KeyHeaderValues, headers))
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether <paramref name="entry"/> may answer the request as it is (§4.2, §4.2.4, §5.2.1) or must be revalidated,
    /// with the <c>fwd</c> reason of RFC 9211 in <paramref name="reason"/> when it must.
    /// </summary>
    public static CacheUse Evaluate(CachedResponse entry, CacheExchange exchange, DateTimeOffset now, out string reason)
    {
        var request = exchange.RequestDirectives;
        var age = entry.CurrentAge(now);
        var lifetime = entry.FreshnessLifetime;
        reason = "request";
        if (request.NoCache || (request.MaxAge is { } maxAge && age > TimeSpan.FromSeconds(maxAge))
            || (request.MinFresh is { } minFresh && lifetime - age < TimeSpan.FromSeconds(minFresh)))
        {
            return CacheUse.Revalidate;
        }

        reason = "stale";
        if (entry.Directives.NoCache)
        {
            return CacheUse.Revalidate; // §5.2.2.4: every use is validated first
        }

        if (age < lifetime)
        {
            return CacheUse.Fresh;
        }

        var staleness = age - lifetime;
        if (entry.Directives.ForbidsStale)
        {
            return CacheUse.Revalidate; // §4.2.4: must-revalidate, proxy-revalidate and s-maxage forbid serving stale
        }

        if (request.MaxStale is { } maxStale && (maxStale == long.MaxValue || staleness <= TimeSpan.FromSeconds(maxStale)))
        {
            return CacheUse.Stale;
        }

        if (entry.Directives.StaleWhileRevalidate is { } window && staleness <= TimeSpan.FromSeconds(window))
        {
            return CacheUse.StaleWhileRevalidate;
        }

        return CacheUse.Revalidate;
    }

    /// <summary>The request's directives; <c>Pragma: no-cache</c> counts as <c>no-cache</c> without <c>Cache-Control</c> (§5.4).</summary>
    public static CacheControl RequestDirectives(IHeaderDictionary headers, CachePolicy policy)
    {
        var cacheControl = headers.CacheControl;
        CacheControl directives;
        if (cacheControl.Count > 0)
        {
            directives = CacheControl.Parse(cacheControl);
        }
        else if (headers.Pragma is { Count: > 0 } pragma && HasNoCache(pragma))
        {
            directives = CacheControl.Parse("no-cache");
        }
        else
        {
            return CacheControl.Empty;
        }

        return policy.IgnoreClientNoCache ? directives.WithoutClientRefresh() : directives;
    }

    private static bool HasNoCache(StringValues pragma)
    {
        foreach (var line in pragma)
        {
            if (line is not null && line.Contains("no-cache", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
