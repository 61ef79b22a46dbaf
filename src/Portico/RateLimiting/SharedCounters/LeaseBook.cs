namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// The tokens a <c>leased</c> counter holds (docs/rate-limiting.md, <c>leased</c>): taken from the shared bucket
/// by one write, spent from memory until the lease's TTL passes, and what is left then given back by the next
/// write. Tokens are given back only to the quota windows they were taken in.
/// </summary>
/// <remarks>
/// A mutable struct kept in a field of its counter (no allocation per key) and used only in place, with the
/// counter's lock held.
/// </remarks>
internal struct LeaseBook
{
    private long _expires;
    private PerPeriod<long> _windows;

    /// <summary>Tokens held (unspent, whether or not the lease has expired).</summary>
    public long Tokens { readonly get; private set; }

    /// <summary>Whether the lease has expired at <paramref name="now"/>: its tokens may no longer be spent, only given back.</summary>
    public readonly bool IsExpired(long now) => now >= _expires;

    /// <summary>Whether an expired lease still holds tokens to give back.</summary>
    public readonly bool HasExpiredTokens(long now) => Tokens > 0 && now >= _expires;

    /// <summary>
    /// Spends one token of a lease still valid, and describes the answer: what the client sees is an estimate, the
    /// shared bucket as last known (<paramref name="shared"/>) plus what this instance holds.
    /// </summary>
    public bool TrySpend(long now, in CounterValues shared, in CounterLimits limits, ref RateLimitDecision decision)
    {
        if (Tokens <= 0 || now >= _expires)
        {
            return false;
        }

        Tokens--;
        decision.Outcome = RateLimitOutcome.Allowed;
        decision.RetryAfterTicks = 0;
        CounterMath.Describe(in shared, limits, now, ref decision);
        if (limits.HasRate)
        {
            decision.RateRemaining = Math.Min(limits.Burst, decision.RateRemaining + Tokens);
        }

        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (limits.HasQuota((QuotaPeriod)p))
            {
                decision.QuotaRemaining[p] = Math.Min(limits.Quota((QuotaPeriod)p), decision.QuotaRemaining[p] + Tokens);
            }
        }

        return true;
    }

    /// <summary>Takes back the token of a request denied by a later policy, if the lease is still valid.</summary>
    public bool TryRefund(long now)
    {
        if (now >= _expires)
        {
            return false;
        }

        Tokens++;
        return true;
    }

    /// <summary>Adds the tokens of an expired lease back to <paramref name="values"/>; returns how many (0 while the lease is valid).</summary>
    public readonly long ReturnExpired(ref CounterValues values, in CounterLimits limits, long now)
    {
        var returning = now >= _expires ? Tokens : 0;
        CounterMath.Return(ref values, limits, now, returning, in _windows);
        return returning;
    }

    /// <summary>
    /// Books a write at <paramref name="now"/> that gave back <paramref name="returned"/> tokens and took
    /// <paramref name="taken"/>: a top-up adds to what is left, and every token held is valid for another TTL.
    /// </summary>
    public void Renew(long returned, long taken, long now, long ttlTicks)
    {
        Tokens = Tokens - returned + taken;
        _expires = now + ttlTicks;
        _windows = CounterMath.WindowStarts(now);
    }

    /// <summary>Forgets the tokens of an expired lease (a write that may have given them back failed: never give them twice).</summary>
    public void DropIfExpired(long now)
    {
        if (now >= _expires)
        {
            Tokens = 0;
        }
    }

    /// <summary>Ends the lease at <paramref name="now"/> at the latest (on shutdown, so every token goes back).</summary>
    public void ExpireBy(long now) => _expires = Math.Min(_expires, now);
}
