namespace Portico.Caching;

/// <summary>What a purge selects.</summary>
public enum PurgeKind
{
    /// <summary>The entries of one URL (its cache key's URL), every variant and route.</summary>
    Url,

    /// <summary>The entries whose path starts with a prefix, optionally on one host.</summary>
    Prefix,

    /// <summary>The entries whose response carried a surrogate key (<c>Surrogate-Key</c>, <c>Cache-Tag</c>).</summary>
    SurrogateKey,
}
