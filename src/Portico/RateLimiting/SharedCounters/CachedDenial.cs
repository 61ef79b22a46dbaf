namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// A refusal a shared counter repeats from memory, without storage calls, until a set time: after a storage call
/// found no token for the key. The shared state only moves towards "more used", so until the time the caller chose
/// (when tokens have refilled, spread so instances take turns) storage would refuse too.
/// </summary>
/// <remarks>
/// A mutable struct kept in a field of its counter (no allocation per key) and used only in place, with the
/// counter's lock held.
/// </remarks>
internal struct CachedDenial
{
    private long _until;
    private RateLimitDecision _denial;

    /// <summary>Refuses with <paramref name="denial"/> until <paramref name="until"/> (UTC ticks).</summary>
    public void Set(in RateLimitDecision denial, long until)
    {
        _denial = denial;
        _until = until;
    }

    /// <summary>Stops refusing: tokens were taken.</summary>
    public void Clear() => _until = 0;

    /// <summary>Whether requests are refused from memory at <paramref name="now"/>.</summary>
    public readonly bool IsActive(long now) => now < _until;

    /// <summary>
    /// Answers with the cached refusal while it lasts, never admitting: <c>Retry-After</c> is when this instance asks
    /// storage again, and the rate's reset comes from the counter as last known (<paramref name="shared"/>).
    /// </summary>
    public readonly bool TryDeny(long now, in CounterValues shared, in CounterLimits limits, ref RateLimitDecision decision)
    {
        if (now >= _until)
        {
            return false;
        }

        var state = decision.State;
        decision = _denial;
        decision.State = state;
        if (decision.Outcome == RateLimitOutcome.Allowed)
        {
            decision.Outcome = RateLimitOutcome.Limited; // never admit from a denial window
        }

        // This instance asks storage again at _until: until then it refuses, so that is when to come back.
        decision.RetryAfterTicks = Math.Max(_until - now, TimeSpan.TicksPerMillisecond);
        if (limits.HasRate)
        {
            decision.RateResetTicks = Math.Max(0, shared.Tat - now);
        }

        return true;
    }
}
