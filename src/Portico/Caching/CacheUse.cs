namespace Portico.Caching;

/// <summary>What a stored response may do for a request (RFC 9111 §4).</summary>
internal enum CacheUse
{
    /// <summary>Fresh, and the request accepts it: served.</summary>
    Fresh,

    /// <summary>Stale within the client's <c>max-stale</c>: served (§4.2.4).</summary>
    Stale,

    /// <summary>Stale within the response's <c>stale-while-revalidate</c>: served, and refreshed in the background (RFC 5861 §3).</summary>
    StaleWhileRevalidate,

    /// <summary>Must be revalidated before use (stale, <c>no-cache</c>, or the request asks for a newer one).</summary>
    Revalidate,
}
