namespace Portico.Caching;

/// <summary>
/// A route's compiled cache settings (from its <c>cache</c> block or its backend's), built once per registry snapshot.
/// A route without one pays nothing for the cache stage but a null check.
/// </summary>
internal sealed class CachePolicy
{
    /// <summary>The route the policy belongs to; part of every entry's key, so one route never serves another's entries.</summary>
    public required string RouteId { get; init; }

    /// <summary>Freshness for responses without explicit freshness, in place of the heuristic; null for none.</summary>
    public TimeSpan? DefaultTtl { get; init; }

    /// <summary>Cap on any freshness lifetime; null for none.</summary>
    public TimeSpan? MaxTtl { get; init; }

    /// <summary>Whether heuristic freshness (RFC 9111 §4.2.2) applies.</summary>
    public bool Heuristic { get; init; } = true;

    /// <summary>The query parameters in the key (ordinal, case-sensitive); null for the whole query as sent.</summary>
    public string[]? KeyQuery { get; init; }

    /// <summary>Request headers added to the secondary key.</summary>
    public string[] KeyHeaders { get; init; } = [];

    /// <summary>Whether entries are kept per consumer (and responses to authenticated requests become storable).</summary>
    public bool VaryByConsumer { get; init; }

    /// <summary>Whether the client's <c>no-cache</c>, <c>max-age</c> and <c>Pragma: no-cache</c> are ignored.</summary>
    public bool IgnoreClientNoCache { get; init; }

    /// <summary>Largest body stored, in bytes.</summary>
    public required long MaxBodySize { get; init; }
}
