namespace Portico.Configuration;

/// <summary>
/// The response cache of a route (or, on a backend, the default of every proxy route to it). The backend's
/// <c>Cache-Control</c> and <c>Expires</c> decide what is stored and for how long (RFC 9111); these settings fill
/// in what the backend leaves unsaid and bound what it asks for (docs/caching.md).
/// </summary>
public sealed record CacheDefinition
{
    /// <summary>Whether the route caches. Default true when the block is present; false turns off a backend's default.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Freshness given to a response with no explicit freshness (no <c>max-age</c>, <c>s-maxage</c> or <c>Expires</c>); heuristics otherwise.</summary>
    public string? DefaultTtl { get; init; }

    /// <summary>Longest freshness any stored response gets, whatever the backend says. Default: no cap.</summary>
    public string? MaxTtl { get; init; }

    /// <summary>Whether heuristic freshness (RFC 9111 §4.2.2, 10% of the time since <c>Last-Modified</c>, at most a day) applies. Default true.</summary>
    public bool? Heuristic { get; init; }

    /// <summary>The query parameters that form the cache key, in request order; every parameter, as sent, when absent.</summary>
    public IReadOnlyList<string>? KeyQuery { get; init; }

    /// <summary>Request headers whose values are added to the cache key, beyond the response's <c>Vary</c>.</summary>
    public IReadOnlyList<string>? KeyHeaders { get; init; }

    /// <summary>
    /// Whether each consumer gets entries of its own. This makes responses to authenticated requests (and <c>private</c>
    /// ones) storable, never served to another consumer. Default false.
    /// </summary>
    public bool? VaryByConsumer { get; init; }

    /// <summary>Whether a client's <c>no-cache</c>, <c>max-age</c> and <c>Pragma: no-cache</c> are ignored (the client cannot force a backend call). Default false.</summary>
    public bool? IgnoreClientNoCache { get; init; }

    /// <summary>Largest response body stored, in bytes; larger ones stream through unstored. Default from the gateway settings (1 MiB).</summary>
    public long? MaxBodySize { get; init; }
}
