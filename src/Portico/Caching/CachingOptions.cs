namespace Portico.Caching;

/// <summary>
/// Gateway settings of the response cache (<c>Portico:Caching</c>). Which routes cache is registry data (a route's or
/// backend's <c>cache</c> block); these size the store and say where shared state lives. Defaults in docs/caching.md.
/// </summary>
public sealed class CachingOptions
{
    /// <summary>Whether every proxy route without a <c>cache</c> block of its own (or its backend's) caches with the defaults. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Most bytes the in-process store (L1) holds; least recently used entries go beyond it. Default 64 MiB.</summary>
    public long MaxMemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Default largest response body stored, in bytes (a route's <c>maxBodySize</c> overrides it). Default 1 MiB.</summary>
    public long MaxBodySize { get; set; } = 1024 * 1024;

    /// <summary>Longest heuristic freshness (RFC 9111 §4.2.2). Default 1 day.</summary>
    public TimeSpan MaxHeuristicFreshness { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a request waits for another one fetching the same key before it goes to the backend itself. Default 10 s.</summary>
    public TimeSpan CoalescingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Response headers that carry surrogate keys (space- or comma-separated) for purges. Default <c>Surrogate-Key</c>, <c>Cache-Tag</c>.</summary>
    public string[] SurrogateKeyHeaders { get; set; } = ["Surrogate-Key", "Cache-Tag"];

    /// <summary>Whether the surrogate-key headers are removed before a response reaches the client. Default true.</summary>
    public bool StripSurrogateKeyHeaders { get; set; } = true;

    /// <summary>
    /// Whether a response carrying <c>Set-Cookie</c> may be stored in a shared entry and replayed to other callers, as
    /// RFC 9111 allows. Default false: such a response is passed through unstored unless its route varies by consumer.
    /// </summary>
    public bool StoreSetCookie { get; set; }

    /// <summary>The cache's name in <c>Cache-Status</c> (RFC 9211). Default <c>Portico</c>.</summary>
    public string Name { get; set; } = "Portico";

    /// <summary>The shared second-level store in Blob storage; off unless an endpoint or connection string is set.</summary>
    public BlobCacheOptions Blob { get; set; } = new();

    /// <summary>Purges recorded in Table storage, which every instance applies.</summary>
    public PurgeOptions Purge { get; set; } = new();
}
