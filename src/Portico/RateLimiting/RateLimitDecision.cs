namespace Portico.RateLimiting;

/// <summary>
/// One policy's answer for one request, with what the <c>RateLimit</c> header reports: tokens and quota left,
/// and when each refills. A value type, so a decision made from memory allocates nothing.
/// </summary>
internal struct RateLimitDecision
{
    public RateLimitOutcome Outcome;

    /// <summary>When denied: ticks until the same request would pass.</summary>
    public long RetryAfterTicks;

    /// <summary>Tokens left in the bucket after this request.</summary>
    public long RateRemaining;

    /// <summary>Ticks until the bucket is full again.</summary>
    public long RateResetTicks;

    /// <summary>Requests left in each quota's current window.</summary>
    public PerPeriod<long> QuotaRemaining;

    /// <summary>Ticks until each quota's window ends.</summary>
    public PerPeriod<long> QuotaResetTicks;

    /// <summary>The quota that was used up, when <see cref="Outcome"/> is <see cref="RateLimitOutcome.QuotaExceeded"/>.</summary>
    public QuotaPeriod ExceededPeriod;

    /// <summary>When the exceeded quota resets (UTC ticks).</summary>
    public long QuotaResetsAt;

    /// <summary>Decided without the shared counters (storage unreachable, failOpen).</summary>
    public bool Degraded;

    /// <summary>The counter that decided, for refunds and in-flight counting.</summary>
    public CounterState? State;

    public readonly bool IsAllowed => Outcome == RateLimitOutcome.Allowed;
}
