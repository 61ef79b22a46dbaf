namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// One instance's view of a counter shared through storage: what <c>exact</c> (<see cref="ExactCounter"/>) and
/// <c>leased</c> (<see cref="LeasedCounter"/>) counters have in common.
/// </summary>
/// <remarks>
/// <para>
/// A request is decided, in this order: from memory, when the store's rules can (<see cref="TryDecideFromMemory"/>);
/// by the policy's failure mode while storage is known to be out (<see cref="OutageFallback"/>); refused at once when
/// the storage call already out for the key cannot bring it a token; otherwise by the next storage call, which
/// decides every request queued for it at once (<see cref="CounterBatchQueue"/>) with one conditional write
/// (<see cref="StoredCounter"/>) of what the store's rules take (<see cref="ProcessBatchAsync"/>).
/// </para>
/// <para>
/// One lock guards the counter and every part of it; each part says which of its members expect the lock held.
/// Only one batch is decided at a time, so a store keeps the batch it is deciding in fields.
/// </para>
/// </remarks>
internal abstract class SharedCounter : CounterState
{
    protected SharedCounter(CompiledRateLimitPolicy policy, string keyHash)
        : base(policy)
    {
        Queue = new CounterBatchQueue(Sync);
        Stored = new StoredCounter(Sync, keyHash, policy.Id);
        Fallback = new OutageFallback(this, Sync, Stored);
    }

    /// <summary>Guards the counter's state and that of its parts.</summary>
    protected Lock Sync { get; } = new();

    /// <summary>The requests waiting for the next storage call, and whether one is out.</summary>
    protected CounterBatchQueue Queue { get; }

    /// <summary>The counter as stored, and the conditional write that changes it.</summary>
    protected StoredCounter Stored { get; }

    /// <summary>The decisions while storage is out.</summary>
    protected OutageFallback Fallback { get; }

    /// <summary>Decides one request, from memory when it can, otherwise with the next storage batch.</summary>
    public ValueTask<RateLimitDecision> AcquireAsync(RateLimiter owner, long now)
    {
        var policy = Policy;
        lock (Sync)
        {
            var decision = new RateLimitDecision { State = this };
            if (TryDecideFromMemory(owner, policy, now, ref decision))
            {
                return new ValueTask<RateLimitDecision>(decision);
            }
        }

        if (owner.Health.IsOpen(now))
        {
            return new ValueTask<RateLimitDecision>(Fallback.Decide(owner, now));
        }

        lock (Sync)
        {
            if (Queue.IsBusy && Stored.IsKnown && TryRefuseWhileBusy(owner, policy, now, out var refusal))
            {
                return new ValueTask<RateLimitDecision>(refusal);
            }
        }

        return EnqueueAsync(owner);
    }

    public override bool IsIdle(long now)
    {
        lock (Sync)
        {
            return !Queue.IsBusy && TokensHeld == 0 && InFlight == 0 && !Fallback.IsActive
                   && now - LastUsed > TimeSpan.TicksPerMinute;
        }
    }

    /// <summary>Tokens this instance holds from the shared bucket (a lease). The lock is held.</summary>
    protected virtual long TokensHeld => 0;

    /// <summary>Decides <paramref name="decision"/> without storage, if the store's rules can. The lock is held.</summary>
    protected abstract bool TryDecideFromMemory(RateLimiter owner, CompiledRateLimitPolicy policy, long now, ref RateLimitDecision decision);

    /// <summary>
    /// Decides a batch of queued requests with (at most) one conditional write, or starts the work of
    /// <see cref="StoredCounter.UpdateAsync"/> that does; every request of the batch is answered when the task ends.
    /// </summary>
    protected abstract Task ProcessBatchAsync(RateLimiter owner, List<CounterWaiter> batch);

    /// <summary>
    /// Refuses a request now that would only queue to be denied: a storage call for the key is out, and the counter as
    /// last known bounds what it can bring (it only gets more used). The lock is held, a call is out and the counter
    /// is known.
    /// </summary>
    protected virtual bool TryRefuseWhileBusy(RateLimiter owner, CompiledRateLimitPolicy policy, long now, out RateLimitDecision refusal)
    {
        var limits = policy.Limits;
        var values = ValuesAfterCallOut(in limits, now);
        var queued = Queue.Waiting + 1;
        refusal = new RateLimitDecision { State = this };
        if (CounterMath.MaxTake(in values, limits, now, queued) >= queued)
        {
            return false;
        }

        CounterMath.TryTake(ref values, limits, now, queued, ref refusal);
        if (refusal.IsAllowed)
        {
            return false;
        }

        refusal.RetryAfterTicks = Math.Max(refusal.RetryAfterTicks, TimeSpan.TicksPerMillisecond);
        return true;
    }

    /// <summary>The most the storage call out can find: the counter as last known, plus what the call gives back. The lock is held.</summary>
    protected virtual CounterValues ValuesAfterCallOut(in CounterLimits limits, long now) => Stored.Values;

    /// <summary>Answers requests <paramref name="first"/> onwards by the failure mode (storage failed) and releases the batch.</summary>
    protected void Degrade(RateLimiter owner, List<CounterWaiter> batch, int first)
    {
        var now = owner.Now;
        for (int i = first; i < batch.Count; i++)
        {
            batch[i].Decision = Fallback.Decide(owner, now);
        }

        CounterBatchQueue.Complete(batch);
    }

    /// <summary>
    /// Many instances writing the key at once kept this one from confirming: refuses requests <paramref name="first"/>
    /// onwards (rather than admit them unconfirmed), counts it, and releases the batch.
    /// </summary>
    protected void RefuseContended(RateLimiter owner, CompiledRateLimitPolicy policy, List<CounterWaiter> batch, int first)
    {
        owner.CountContention(policy);
        for (int i = first; i < batch.Count; i++)
        {
            batch[i].Decision = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerSecond, State = this };
        }

        CounterBatchQueue.Complete(batch);
    }

    private async ValueTask<RateLimitDecision> EnqueueAsync(RateLimiter owner)
    {
        var me = new CounterWaiter();
        if (!Queue.JoinOrLead(me))
        {
            await me.Done.Task;
            if (!me.Lead)
            {
                return me.Decision;
            }
        }

        var batch = Queue.TakeBatch(me);
        try
        {
            await ProcessBatchAsync(owner, batch);
        }
        catch (Exception ex)
        {
            // A bug, not an outage: log it, and let no request wait for an answer that will not come.
            owner.LogCounterBug(Policy.Id, ex);
            // Every path of the processing answers the whole batch last, so none of it was answered yet.
            owner.Health.ReleaseProbe();
            Degrade(owner, batch, 0);
        }
        finally
        {
            Queue.HandOff();
        }

        return me.Decision;
    }
}
