using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Portico.Caching;

/// <summary>
/// Builds stored responses: from a backend response and its copied body (§3.1, what is kept), and from a stored
/// response updated by a 304 (§3.2, §4.3.4).
/// </summary>
internal static class StoredResponses
{
    /// <summary>Approximate per-entry overhead beyond body and header characters, for the store's byte budget.</summary>
    private const int Overhead = 512;

    /// <summary>
    /// A stored response for <paramref name="exchange"/>, built from the response as the backend sent it (minus
    /// <paramref name="excluded"/>, the fields earlier stages set for this caller) and <paramref name="body"/>; null
    /// when it would be unusable at once (no freshness and no validator).
    /// </summary>
    public static CachedResponse? Create(CacheExchange exchange, HttpResponse response, byte[] body, HashSet<string> excluded, DateTimeOffset responseTime, TimeSpan maxHeuristic)
    {
        var headers = Keep(response.Headers, exchange.ResponseDirectives, excluded, exchange.Options);
        return Build(exchange.Context.HttpContext.Request, exchange.PrimaryKey, exchange.Policy, exchange.Consumer, exchange.KeyHeaderValues,
            response.StatusCode, headers, body, response.Headers.Age, exchange.ResponseDirectives, exchange.SurrogateKeys,
            exchange.RequestTime, responseTime, maxHeuristic, requireUsable: true);
    }

    /// <summary>
    /// <paramref name="stored"/> with the header fields of a 304 (<paramref name="update"/>) in place of its own (§3.2),
    /// and its age and freshness computed afresh; null when the 304 names a different strong validator (§4.3.4).
    /// </summary>
    public static CachedResponse? Update(CachedResponse stored, CacheExchange exchange, IHeaderDictionary update, HashSet<string> excluded, DateTimeOffset responseTime, TimeSpan maxHeuristic)
    {
        var etag = update.ETag;
        if (etag.Count > 0 && etag[0] is { } newTag && !newTag.StartsWith("W/", StringComparison.Ordinal) && stored.ETag is { } oldTag && oldTag != newTag)
        {
            return null;
        }

        var directives = update.CacheControl.Count > 0 ? CacheControl.Parse(update.CacheControl) : stored.Directives;
        var fresh = Keep(update, directives, excluded, exchange.Options);
        var merged = new List<KeyValuePair<string, StringValues>>(stored.Headers.Length + fresh.Length);
        foreach (var header in stored.Headers)
        {
            if (!Contains(fresh, header.Key) && !IsNamedBy(directives, header.Key))
            {
                merged.Add(header);
            }
        }

        merged.AddRange(fresh);
        var surrogateKeys = exchange.SurrogateKeys.Length > 0 ? exchange.SurrogateKeys : stored.SurrogateKeys;
        return Build(exchange.Context.HttpContext.Request, stored.PrimaryKey, exchange.Policy, stored.Consumer, stored.KeyHeaderValues,
            stored.Status, [.. merged], stored.Body, update.Age, directives, surrogateKeys, exchange.RequestTime, responseTime, maxHeuristic,
            requireUsable: false, varyFrom: stored);
    }

    private static CachedResponse? Build(
        HttpRequest request, string primaryKey, CachePolicy policy, string? consumer, string?[] keyHeaderValues, int status,
        KeyValuePair<string, StringValues>[] headers, byte[] body, StringValues age, CacheControl directives, string[] surrogateKeys,
        DateTimeOffset requestTime, DateTimeOffset responseTime, TimeSpan maxHeuristic, bool requireUsable, CachedResponse? varyFrom = null)
    {
        IHeaderDictionary view = new HeaderDictionary(headers.Length);
        foreach (var (name, value) in headers)
        {
            view[name] = value;
        }

        // RFC 9110 §6.6.1: a recipient with a clock adds Date to a response it caches that lacks one.
        if (view.Date.Count == 0 || !Freshness.TryParseDate(view.Date[0], responseTime, out var dateValue))
        {
            dateValue = responseTime;
            if (view.Date.Count == 0)
            {
                var date = HeaderUtilities.FormatDate(responseTime);
                view.Date = date;
                headers = [.. headers, new(HeaderNames.Date, date)];
            }
        }

        var lifetime = Freshness.Lifetime(directives, view, status, dateValue, responseTime, policy, maxHeuristic, out var heuristic) ?? TimeSpan.Zero;
        var ageValue = Freshness.ParseAge(age);
        var initialAge = Freshness.CorrectedInitialAge(ageValue, dateValue, requestTime, responseTime);
        var etag = view.ETag.Count > 0 ? view.ETag[0] : null;
        var lastModified = view.LastModified.Count > 0 ? view.LastModified[0] : null;
        if (requireUsable && lifetime <= initialAge && etag is null && lastModified is null
            && directives.StaleWhileRevalidate is null && directives.StaleIfError is null)
        {
            return null; // stale on arrival and nothing to revalidate with
        }

        string[] varyNames;
        string?[] varyValues;
        if (varyFrom is not null && view.Vary.Count == 0)
        {
            varyNames = varyFrom.VaryNames;
            varyValues = varyFrom.VaryValues;
        }
        else
        {
            varyNames = VaryNames.Parse(view.Vary) ?? [];
            varyValues = varyFrom is not null && varyNames.AsSpan().SequenceEqual(varyFrom.VaryNames) ? varyFrom.VaryValues : CacheKey.Values(request.Headers, varyNames);
        }

        long size = Overhead + body.Length + primaryKey.Length * 2;
        foreach (var (name, value) in headers)
        {
            size += (name.Length + value.ToString().Length) * 2;
        }

        var host = request.Host.Value?.ToLowerInvariant() ?? "";
        return new CachedResponse
        {
            RouteId = policy.RouteId,
            PrimaryKey = primaryKey,
            Host = host,
            Path = (request.PathBase + request.Path).Value ?? "/",
            Consumer = consumer,
            KeyHeaderValues = keyHeaderValues,
            VaryNames = varyNames,
            VaryValues = varyValues,
            Status = status,
            Headers = headers,
            Body = body,
            RequestTime = requestTime,
            ResponseTime = responseTime,
            CorrectedInitialAge = initialAge,
            FreshnessLifetime = lifetime,
            HeuristicFreshness = heuristic,
            Directives = directives,
            ETag = etag,
            LastModified = lastModified,
            LastModifiedDate = lastModified is not null && Freshness.TryParseDate(lastModified, responseTime, out var lm) ? lm : null,
            SurrogateKeys = surrogateKeys,
            Size = size,
        };
    }

    /// <summary>The fields of <paramref name="source"/> a shared cache keeps (§3.1).</summary>
    private static KeyValuePair<string, StringValues>[] Keep(IHeaderDictionary source, CacheControl directives, HashSet<string> excluded, CachingOptions options)
    {
        var kept = new List<KeyValuePair<string, StringValues>>(source.Count);
        foreach (var (name, value) in source)
        {
            if (IsNeverStored(name) || excluded.Contains(name) || IsNamedBy(directives, name) || IsSurrogateKeyHeader(name, options))
            {
                continue;
            }

            kept.Add(new(name, value));
        }

        return [.. kept];
    }

    /// <summary>
    /// Hop-by-hop and proxy fields (§3.1), fields recomputed on every use (<c>Age</c>, <c>Content-Length</c>) and the
    /// <c>Cache-Status</c> (on a hit only this cache took part; its own member is written then).
    /// </summary>
    private static bool IsNeverStored(string name) =>
        name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.KeepAlive, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.ProxyConnection, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.TE, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Trailer, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.ProxyAuthenticate, StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authentication-Info", StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.ProxyAuthorization, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Age, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || name.Equals(CacheStatusBuilder.HeaderName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fields named by <c>private="…"</c> (never stored by a shared cache) or <c>no-cache="…"</c> (never sent without revalidation).</summary>
    internal static bool IsNamedBy(CacheControl directives, string name) =>
        (directives.PrivateFields is { } privateFields && Array.Exists(privateFields, f => f.Equals(name, StringComparison.OrdinalIgnoreCase)))
        || (directives.NoCacheFields is { } noCacheFields && Array.Exists(noCacheFields, f => f.Equals(name, StringComparison.OrdinalIgnoreCase)));

    private static bool IsSurrogateKeyHeader(string name, CachingOptions options) =>
        Array.Exists(options.SurrogateKeyHeaders, h => h.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static bool Contains(KeyValuePair<string, StringValues>[] headers, string name) =>
        Array.Exists(headers, h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
}
