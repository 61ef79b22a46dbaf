namespace Portico.RateLimiting;

/// <summary>What a policy decided for one request.</summary>
internal enum RateLimitOutcome
{
    /// <summary>Within the limits.</summary>
    Allowed,

    /// <summary>Over the rate (or burst): 429 with <c>Retry-After</c>.</summary>
    Limited,

    /// <summary>A quota window is used up: 429 naming the reset time.</summary>
    QuotaExceeded,

    /// <summary>Too many requests of this key in flight: 429.</summary>
    ConcurrencyLimited,

    /// <summary>Shared counters are unreachable and the policy fails closed: 503.</summary>
    Unavailable,
}
