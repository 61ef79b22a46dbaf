namespace Portico.Caching;

/// <summary>How the cache answered a request: the access log's <c>cache</c> field and the <c>outcome</c> tag of <c>portico.cache.requests</c>.</summary>
internal static class CacheOutcome
{
    /// <summary>Served from a fresh stored response.</summary>
    public const string Hit = "hit";

    /// <summary>Served stale, as the client's <c>max-stale</c> or the response's <c>stale-while-revalidate</c> allowed.</summary>
    public const string Stale = "stale";

    /// <summary>Served stale because the backend failed (<c>stale-if-error</c>).</summary>
    public const string StaleIfError = "stale-if-error";

    /// <summary>Served after another request's backend call for the same key (request coalescing).</summary>
    public const string Coalesced = "coalesced";

    /// <summary>The backend confirmed a stored response with 304 and the stored response was served.</summary>
    public const string Revalidated = "revalidated";

    /// <summary>Forwarded (nothing usable stored); the answer may have been stored.</summary>
    public const string Miss = "miss";

    /// <summary>Forwarded without looking in the cache (an unsafe method, a range request, <c>no-store</c>…).</summary>
    public const string Bypass = "bypass";
}
