namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// An <c>exact</c> counter (docs/rate-limiting.md, <c>exact</c>): every admission is confirmed by a conditional
/// write that counts it, so the instances together never admit more than the limit.
/// </summary>
/// <remarks>
/// Requests that arrive while a write is out are decided together by the next one: a burst of concurrent requests
/// costs one round trip instead of one each. Because a counter's shared state only moves towards "more used", a
/// request the last-known state already denies is denied without a storage call; and after a write found no token
/// for anyone, the instance refuses from memory until it is its turn to ask again (<see cref="AskAgainAt"/>).
/// </remarks>
internal sealed class ExactCounter(CompiledRateLimitPolicy policy, string keyHash) : SharedCounter(policy, keyHash), ICounterUpdate
{
    /// <summary>The most a refused instance adds to the wait for the next token, so instances take turns.</summary>
    private const long MaxSpreadTicks = TimeSpan.TicksPerSecond / 2;

    private CachedDenial _denied;

    // The batch being decided, its limits, and when its last attempt was prepared.
    private List<CounterWaiter>? _batch;
    private CounterLimits _limits;
    private long _preparedAt;

    public override void Refund(long now)
    {
        lock (Sync)
        {
            Fallback.Refund(now);
        }
    }

    protected override bool TryDecideFromMemory(RateLimiter owner, CompiledRateLimitPolicy policy, long now, ref RateLimitDecision decision)
    {
        if (!Stored.IsKnown)
        {
            return false;
        }

        // Shared state only moves towards "more used": what the last-known state denies, storage denies too.
        var values = Stored.Values;
        return !CounterMath.TryTake(ref values, policy.Limits, now, 1, ref decision)
               || _denied.TryDeny(now, in Stored.Values, policy.Limits, ref decision);
    }

    protected override Task ProcessBatchAsync(RateLimiter owner, List<CounterWaiter> batch)
    {
        _batch = batch;
        _limits = Policy.Limits;
        return Stored.UpdateAsync(owner, this, owner.Now);
    }

    /// <summary>Counts every request of the batch the counter still admits; nothing to write when it admits none.</summary>
    bool ICounterUpdate.TryPrepare(ref CounterValues values, long now)
    {
        _preparedAt = now;
        Fallback.MergePending(ref values, now);
        var admitted = 0;
        foreach (var waiter in _batch!)
        {
            waiter.Decision = new RateLimitDecision { State = this };
            if (CounterMath.TryTake(ref values, _limits, now, 1, ref waiter.Decision))
            {
                admitted++;
            }
        }

        return admitted > 0;
    }

    void ICounterUpdate.Written(in CounterValues values, long now) => Fallback.End();

    void ICounterUpdate.Finish(RateLimiter owner, CounterUpdateOutcome outcome)
    {
        var batch = _batch!;
        _batch = null;
        switch (outcome)
        {
            case CounterUpdateOutcome.Written:
                break;
            case CounterUpdateOutcome.NothingToWrite:
                lock (Sync)
                {
                    var denial = batch[0].Decision;
                    _denied.Set(in denial, AskAgainAt(in denial, in _limits, _preparedAt, owner.Instances.Current));
                }

                break;
            case CounterUpdateOutcome.Contended:
                RefuseContended(owner, Policy, batch, 0);
                return;
            default:
                Degrade(owner, batch, 0);
                return;
        }

        CounterBatchQueue.Complete(batch);
    }

    /// <summary>
    /// When an instance that found no token asks storage again: when the refusal ends (a used-up quota: when it
    /// resets), plus, for the rate, a random part of one token interval per instance. The next token is taken by
    /// whichever instance asks first, so they take turns instead of all asking at once.
    /// </summary>
    private static long AskAgainAt(in RateLimitDecision denial, in CounterLimits limits, long now, int instances)
    {
        var retryAt = now + denial.RetryAfterTicks;
        if (denial.Outcome == RateLimitOutcome.QuotaExceeded)
        {
            return retryAt;
        }

        var spread = limits.HasRate ? Math.Min(limits.Interval * Math.Max(1, instances), MaxSpreadTicks) : 0;
        return retryAt + (spread > 1 ? Random.Shared.NextInt64(spread) : 0);
    }
}
