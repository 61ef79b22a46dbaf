using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>
/// One stored response (RFC 9111 §3): status, header fields as they may be served (without <c>Age</c>, hop-by-hop
/// fields and fields a shared cache must not keep), the whole body, and what freshness and age are computed from.
/// Immutable: a 304 that updates it (§4.3.4) produces a new one.
/// </summary>
internal sealed class CachedResponse
{
    private long _lastUse;

    /// <summary>The route that stored it.</summary>
    public required string RouteId { get; init; }

    /// <summary>The primary key: <c>scheme://host/path?query</c> (docs/caching.md).</summary>
    public required string PrimaryKey { get; init; }

    /// <summary>The request host, lower case, for purges by path prefix.</summary>
    public required string Host { get; init; }

    /// <summary>The request path, for purges by path prefix.</summary>
    public required string Path { get; init; }

    /// <summary>The consumer the entry belongs to, when the route varies by consumer.</summary>
    public string? Consumer { get; init; }

    /// <summary>The request headers named by the route's <c>keyHeaders</c>, normalised, in the same order.</summary>
    public required string?[] KeyHeaderValues { get; init; }

    /// <summary>The field names in the response's <c>Vary</c>, lower case.</summary>
    public required string[] VaryNames { get; init; }

    /// <summary>The request's values of <see cref="VaryNames"/>, normalised (null when absent).</summary>
    public required string?[] VaryValues { get; init; }

    public required int Status { get; init; }

    /// <summary>The header fields to serve, in order, without <c>Age</c> and <c>Content-Length</c>.</summary>
    public required KeyValuePair<string, StringValues>[] Headers { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>When the request that produced it was sent (request_time, RFC 9111 §4.2.3).</summary>
    public required DateTimeOffset RequestTime { get; init; }

    /// <summary>When it arrived (response_time); also the time purges compare with.</summary>
    public required DateTimeOffset ResponseTime { get; init; }

    /// <summary>corrected_initial_age of §4.2.3, computed once.</summary>
    public required TimeSpan CorrectedInitialAge { get; init; }

    /// <summary>The freshness lifetime (§4.2.1), after the route's defaults and cap.</summary>
    public required TimeSpan FreshnessLifetime { get; init; }

    /// <summary>Whether the lifetime is heuristic (§4.2.2).</summary>
    public bool HeuristicFreshness { get; init; }

    /// <summary>The response's directives.</summary>
    public required CacheControl Directives { get; init; }

    public string? ETag { get; init; }

    public string? LastModified { get; init; }

    public DateTimeOffset? LastModifiedDate { get; init; }

    /// <summary>Surrogate keys (tags) the backend gave, for purges by key.</summary>
    public required string[] SurrogateKeys { get; init; }

    /// <summary>Approximate memory held, in bytes, for the store's budget.</summary>
    public long Size { get; init; }

    /// <summary>Tick of the last use, for eviction; written without a lock (an approximate LRU is enough).</summary>
    public long LastUse
    {
        get => Volatile.Read(ref _lastUse);
        set => Volatile.Write(ref _lastUse, value);
    }

    /// <summary>current_age (§4.2.3) at <paramref name="now"/>.</summary>
    public TimeSpan CurrentAge(DateTimeOffset now)
    {
        var resident = now - ResponseTime;
        return CorrectedInitialAge + (resident > TimeSpan.Zero ? resident : TimeSpan.Zero);
    }

    /// <summary>Whether the entry is fresh at <paramref name="now"/> (§4.2: freshness_lifetime &gt; current_age).</summary>
    public bool IsFresh(DateTimeOffset now) => FreshnessLifetime > CurrentAge(now);

    /// <summary>The value of an <c>Age</c> field for <paramref name="now"/>: whole seconds, at most 2^31 (§5.1).</summary>
    public long AgeSeconds(DateTimeOffset now) => Math.Min((long)CurrentAge(now).TotalSeconds, CacheControl.MaxDeltaSeconds);

    /// <summary>The stored value of header <paramref name="name"/>, or empty.</summary>
    public StringValues Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return StringValues.Empty;
    }
}
