using Portico.Problems;

namespace Portico.Caching;

/// <summary>The answers of the response cache itself (docs/problems.md).</summary>
internal static class CacheProblems
{
    /// <summary>RFC 9111 §5.2.1.7: <c>only-if-cached</c> and nothing usable stored.</summary>
    public static readonly Problem NotCached = new(504, "not-cached", "The response is not in the cache and the request asked for nothing else");

    /// <summary>A purge request the admin API cannot read.</summary>
    public static readonly Problem InvalidPurge = new(400, "invalid-purge", "The purge request is not valid");

    /// <summary>The purge applied here but could not be recorded for the other instances.</summary>
    public static readonly Problem PurgeNotShared = new(503, "purge-not-shared", "The purge was applied on this instance but could not be recorded for the others");
}
