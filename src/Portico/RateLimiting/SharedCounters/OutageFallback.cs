namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// What a shared counter decides while its storage is unreachable (docs/rate-limiting.md, "When storage fails"):
/// for <c>failClosed</c>, 503 until storage is tried again; for <c>failOpen</c>, local limits at this instance's share
/// (the rate and burst, and what was left of each quota as last read, divided by the number of instances), whose
/// admissions are added to the shared quotas by the first write once storage is back.
/// </summary>
/// <remarks>It shares its counter's lock (<paramref name="sync"/>). Members marked so expect it held; the others take it.</remarks>
internal sealed class OutageFallback(SharedCounter counter, Lock sync, StoredCounter stored)
{
    // While failOpen limits locally: created by the first decision of an outage, dropped by the first write after it.
    private LocalCounter? _local;
    private CounterLimits _limits;

    // What the local limits admitted, per quota window, to add to the shared quotas.
    private PerPeriod<QuotaCount> _pendingQuota;

    /// <summary>Whether local limits are counting (the counter must not be forgotten then). The counter's lock is held.</summary>
    public bool IsActive => _local is not null;

    /// <summary>Decides one request by the policy's failure mode, and counts it in <c>portico.ratelimit.fallback</c>.</summary>
    public RateLimitDecision Decide(RateLimiter owner, long now)
    {
        var policy = counter.Policy;
        if (policy.FailClosed)
        {
            owner.CountFallback(policy, closed: true);
            return new RateLimitDecision
            {
                Outcome = RateLimitOutcome.Unavailable,
                RetryAfterTicks = owner.Health.RetryAfter(now),
                Degraded = true,
                State = counter,
            };
        }

        owner.CountFallback(policy, closed: false);
        lock (sync)
        {
            if (_local is null)
            {
                _local = new LocalCounter(policy);
                _limits = policy.Limits.Share(owner.Instances.Current, in stored.Values.Quotas, now);
            }

            var decision = _local.Acquire(in _limits, now);
            if (decision.IsAllowed)
            {
                CountPending(policy.Limits, now);
            }

            decision.Degraded = true;
            decision.State = counter;
            return decision;
        }
    }

    /// <summary>Gives back a token the local limits took (a request a later policy denied). The counter's lock is held.</summary>
    public void Refund(long now) => _local?.Refund(now);

    /// <summary>Adds what the local limits admitted in the current quota windows to <paramref name="values"/>, about to be written.</summary>
    public void MergePending(ref CounterValues values, long now)
    {
        lock (sync)
        {
            for (int p = 0; p < QuotaWindow.PeriodCount; p++)
            {
                var start = QuotaWindow.Start((QuotaPeriod)p, now);
                var pending = _pendingQuota[p].In(start);
                if (pending > 0)
                {
                    values.Quotas[p] = new QuotaCount(start, values.Quotas[p].In(start) + pending);
                }
            }
        }
    }

    /// <summary>A write that merged the pending quota succeeded: storage holds what the local limits admitted, so they end. The counter's lock is held.</summary>
    public void End()
    {
        _pendingQuota = default;
        _local = null;
    }

    private void CountPending(in CounterLimits limits, long now)
    {
        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (limits.HasQuota((QuotaPeriod)p))
            {
                var start = QuotaWindow.Start((QuotaPeriod)p, now);
                _pendingQuota[p] = new QuotaCount(start, _pendingQuota[p].In(start) + 1);
            }
        }
    }
}
