namespace Portico.RateLimiting;

/// <summary>
/// The counting rules, as pure functions of the state, the limits and the time, shared by every store.
/// The rate is a GCRA (generic cell rate algorithm, ITU-T I.371), which behaves as a token bucket of
/// <see cref="CounterLimits.Burst"/> tokens refilled one per <see cref="CounterLimits.Interval"/> but keeps a
/// single number per key: the theoretical arrival time (TAT). A request fits when, after adding one interval to
/// max(TAT, now), the TAT is at most one tolerance (burst × interval) ahead of now. Quotas count per calendar
/// window in UTC and start from zero in each new window.
/// </summary>
internal static class CounterMath
{
    /// <summary>
    /// Takes <paramref name="tokens"/> tokens if the rate and every quota allow it, updating <paramref name="values"/>;
    /// fills <paramref name="decision"/> either way. A denied request takes nothing.
    /// </summary>
    public static bool TryTake(ref CounterValues values, in CounterLimits limits, long now, long tokens, ref RateLimitDecision decision)
    {
        long newTat = values.Tat;
        long rateRetry = 0;
        bool rateOk = true;
        if (limits.HasRate)
        {
            var candidate = Math.Max(values.Tat, now) + (tokens * limits.Interval);
            if (candidate - now > limits.Tolerance)
            {
                rateOk = false;
                rateRetry = candidate - limits.Tolerance - now;
            }
            else
            {
                newTat = candidate;
            }
        }

        bool quotaOk = true;
        long quotaRetry = 0;
        var starts = default(PerPeriod<long>);
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (!TryGetQuotaWindow(in limits, p, now, out var limit, out var start))
            {
                continue;
            }

            starts[p] = start;
            if (values.Quotas[p].In(start) + tokens > limit)
            {
                quotaOk = false;
                var end = QuotaWindow.End((QuotaPeriod)p, start);
                // Several exhausted quotas: the request passes only once the last of them resets.
                if (end - now > quotaRetry)
                {
                    quotaRetry = end - now;
                    decision.ExceededPeriod = (QuotaPeriod)p;
                    decision.QuotaResetsAt = end;
                }
            }
        }

        var allowed = rateOk && quotaOk;
        if (allowed)
        {
            values.Tat = newTat;
            for (int p = 0; p < QuotaWindow.PeriodCount; p++)
            {
                if (limits.Quota((QuotaPeriod)p) != CounterLimits.NoQuota)
                {
                    values.Quotas[p] = new QuotaCount(starts[p], values.Quotas[p].In(starts[p]) + tokens);
                }
            }
        }

        decision.Outcome = allowed ? RateLimitOutcome.Allowed : quotaOk ? RateLimitOutcome.Limited : RateLimitOutcome.QuotaExceeded;
        decision.RetryAfterTicks = allowed ? 0 : Math.Max(rateRetry, quotaRetry);
        Describe(in values, in limits, now, ref decision);
        return allowed;
    }

    /// <summary>Fills the remaining tokens and quota of <paramref name="decision"/> from <paramref name="values"/>.</summary>
    public static void Describe(in CounterValues values, in CounterLimits limits, long now, ref RateLimitDecision decision)
    {
        if (limits.HasRate)
        {
            decision.RateRemaining = Available(in values, in limits, now);
            decision.RateResetTicks = Math.Max(0, values.Tat - now);
        }

        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (TryGetQuotaWindow(in limits, p, now, out var limit, out var start))
            {
                decision.QuotaRemaining[p] = Math.Max(0, limit - values.Quotas[p].In(start));
                decision.QuotaResetTicks[p] = QuotaWindow.End((QuotaPeriod)p, start) - now;
            }
        }
    }

    /// <summary>
    /// The limit of quota period <paramref name="p"/> and the start of its window containing <paramref name="now"/>;
    /// false when the policy sets no such quota.
    /// </summary>
    private static bool TryGetQuotaWindow(in CounterLimits limits, int p, long now, out long limit, out long start)
    {
        limit = limits.Quota((QuotaPeriod)p);
        start = limit == CounterLimits.NoQuota ? 0 : QuotaWindow.Start((QuotaPeriod)p, now);
        return limit != CounterLimits.NoQuota;
    }

    /// <summary>Tokens in the bucket now (0 to burst).</summary>
    public static long Available(in CounterValues values, in CounterLimits limits, long now)
    {
        if (!limits.HasRate)
        {
            return long.MaxValue;
        }

        var ahead = Math.Max(values.Tat, now) - now;
        return Math.Clamp((limits.Tolerance - ahead) / limits.Interval, 0, limits.Burst);
    }

    /// <summary>How many of <paramref name="wanted"/> tokens the rate and every quota allow at once now.</summary>
    public static long MaxTake(in CounterValues values, in CounterLimits limits, long now, long wanted)
    {
        var take = Math.Min(wanted, Available(in values, in limits, now));
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (TryGetQuotaWindow(in limits, p, now, out var limit, out var start))
            {
                take = Math.Min(take, limit - values.Quotas[p].In(start));
            }
        }

        return Math.Max(0, take);
    }

    /// <summary>Ticks until <paramref name="tokens"/> tokens are in the bucket (0 when they are already).</summary>
    public static long TimeUntil(in CounterValues values, in CounterLimits limits, long now, long tokens)
    {
        if (!limits.HasRate)
        {
            return 0;
        }

        tokens = Math.Min(tokens, limits.Burst);
        return Math.Max(0, Math.Max(values.Tat, now) + (tokens * limits.Interval) - limits.Tolerance - now);
    }

    /// <summary>
    /// Gives back <paramref name="tokens"/> tokens that were taken but not used (a request denied by a later policy,
    /// or the unspent rest of a lease). Quota counts are only given back within the window they were taken in.
    /// </summary>
    public static void Return(ref CounterValues values, in CounterLimits limits, long now, long tokens, in PerPeriod<long> takenInWindow)
    {
        if (tokens <= 0)
        {
            return;
        }

        if (limits.HasRate)
        {
            values.Tat -= tokens * limits.Interval;
        }

        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (!TryGetQuotaWindow(in limits, p, now, out _, out var start))
            {
                continue;
            }

            var current = values.Quotas[p];
            if (current.Start == takenInWindow[p] && current.Start == start)
            {
                values.Quotas[p] = current with { Count = Math.Max(0, current.Count - tokens) };
            }
        }
    }

    /// <summary>The current window start of every period, to remember which windows tokens were taken in.</summary>
    public static PerPeriod<long> WindowStarts(long now)
    {
        var starts = default(PerPeriod<long>);
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            starts[p] = QuotaWindow.Start((QuotaPeriod)p, now);
        }

        return starts;
    }

    /// <summary>When a counter stops carrying information (its bucket is full and its quota windows are over): it may then be forgotten.</summary>
    public static long ExpiresAt(in CounterValues values)
    {
        var expires = values.Tat;
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            var count = values.Quotas[p];
            if (count.Count > 0)
            {
                expires = Math.Max(expires, QuotaWindow.End((QuotaPeriod)p, count.Start));
            }
        }

        return expires;
    }
}
