namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// How a <c>leased</c> counter sizes its leases and, when the bucket is empty, how long it refuses locally before
/// asking again (docs/rate-limiting.md, <c>leased</c>): pure rules of this instance's demand, the policy, the
/// counter as last known and the time. Lease sizing and the timing of local refusals change here, and only here.
/// </summary>
internal static class LeasePlanner
{
    /// <summary>A lease covers this much of the instance's recent demand (half the default TTL, so it is spent in time).</summary>
    public const double HorizonSeconds = 0.5;

    /// <summary><see cref="HorizonSeconds"/> in ticks: also how soon a whole lease must refill for an instance to wait for it.</summary>
    public const long HorizonTicks = TimeSpan.TicksPerSecond / 2;

    /// <summary>Tokens to ask for: half a second of this instance's demand, at least one, at most the policy's lease cap.</summary>
    public static long Size(double demandRate, CompiledRateLimitPolicy policy, int instances) =>
        Math.Clamp((long)Math.Ceiling(demandRate * HorizonSeconds), 1, policy.LeaseCap(instances));

    /// <summary>
    /// Tokens to ask for ahead while <paramref name="held"/> are left (0 for none). At high rates the next lease is
    /// asked for while half of the current one is left, so requests keep being served from memory instead of waiting
    /// on storage when it runs out. Never for a key that wants more than its share (the bucket is empty then) or at
    /// low rates (leases of under four tokens: one token at a time, nothing held ahead).
    /// </summary>
    public static long TopUp(long held, double demandRate, CompiledRateLimitPolicy policy, int instances)
    {
        var size = Size(demandRate, policy, instances);
        if (size < 4 || held > size / 2 || IsOverShare(demandRate, policy.Limits, instances))
        {
            return 0;
        }

        return size - held;
    }

    /// <summary>Whether a demand of <paramref name="demandRate"/> per second is above this instance's share of the policy's rate.</summary>
    public static bool IsOverShare(double demandRate, in CounterLimits limits, int instances) =>
        limits.HasRate && demandRate > TimeSpan.TicksPerSecond / (double)limits.Interval / Math.Max(1, instances);

    /// <summary>
    /// Whether the bucket holds fewer than <paramref name="wanted"/> tokens but refills them within the horizon: an
    /// instance over its share then waits for a whole lease rather than take many small ones (a storage call for
    /// every token or two).
    /// </summary>
    public static bool WaitsForWholeLease(in CounterValues values, in CounterLimits limits, long now, long wanted) =>
        CounterMath.Available(in values, limits, now) < wanted && CounterMath.TimeUntil(in values, limits, now, wanted) <= HorizonTicks;

    /// <summary>
    /// The answer while an instance waits for <paramref name="wanted"/> tokens: what the bucket says for one more
    /// request, and when tokens are there but fewer than a lease (the instance is over its share), a 429 until the
    /// lease has refilled.
    /// </summary>
    public static RateLimitDecision DenialFor(CounterState state, in CounterValues values, in CounterLimits limits, long now, long wanted)
    {
        var denial = new RateLimitDecision { State = state };
        var probe = values;
        if (CounterMath.TryTake(ref probe, limits, now, 1, ref denial))
        {
            denial.Outcome = RateLimitOutcome.Limited;
            denial.RetryAfterTicks = Math.Max(TimeSpan.TicksPerMillisecond, CounterMath.TimeUntil(in values, limits, now, wanted));
        }

        return denial;
    }

    /// <summary>
    /// When an instance that found no tokens to lease asks storage again (UTC ticks): once a whole lease has
    /// refilled (at slow rates, the next token), plus a random delay of up to one lease per instance, so the
    /// instances sharing the bucket take turns instead of all calling at the same moment (and all but one finding it
    /// empty again). A used-up quota: when it resets.
    /// </summary>
    public static long AskAgainAt(in CounterValues values, in CounterLimits limits, long now, long wanted, int instances, in RateLimitDecision denial)
    {
        if (denial.Outcome == RateLimitOutcome.QuotaExceeded)
        {
            return now + denial.RetryAfterTicks;
        }

        // Wait for a whole lease only when it refills soon; at slow rates wait for the next token.
        wanted = Math.Max(1, wanted);
        if (CounterMath.TimeUntil(in values, limits, now, wanted) > HorizonTicks)
        {
            wanted = 1;
        }

        var wait = Math.Max(denial.RetryAfterTicks, CounterMath.TimeUntil(in values, limits, now, wanted));
        // Spread over one and a half leases' refill for three instances (half a lease per instance): attempts come a
        // little more often than leases refill, so tokens never pile up unclaimed, yet rarely at the same moment.
        var spread = limits.HasRate ? Math.Min(limits.Interval * wanted * Math.Max(2, instances) / 2, HorizonTicks) : 0;
        return now + wait + (spread > 1 ? Random.Shared.NextInt64(spread) : 0);
    }
}
