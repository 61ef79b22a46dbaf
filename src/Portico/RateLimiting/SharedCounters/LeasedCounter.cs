namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// A <c>leased</c> counter (docs/rate-limiting.md, <c>leased</c>): it takes blocks of tokens (leases) from the shared
/// bucket, one conditional write each, and spends them from memory.
/// </summary>
/// <remarks>
/// How many tokens to ask for, when to ask ahead and how long to refuse locally when the bucket is empty is
/// <see cref="LeasePlanner"/>'s to say, from this instance's demand (<see cref="DemandEstimator"/>); the tokens held
/// are in a <see cref="LeaseBook"/>. Unspent tokens go back to the bucket once the lease's TTL passes: with the next
/// lease's write, or by the janitor (<see cref="ReturnExpiredLeaseAsync"/>) when the key went idle. When the bucket
/// is empty the instance refuses locally (<see cref="CachedDenial"/>), without storage calls, until enough tokens
/// for a lease have refilled.
/// </remarks>
internal sealed class LeasedCounter(CompiledRateLimitPolicy policy, string keyHash) : SharedCounter(policy, keyHash), ICounterUpdate
{
    private LeaseBook _lease;
    private DemandEstimator _demand;
    private CachedDenial _denied;

    // The batch being decided: its requests from _first on need storage; _wanted tokens are asked for (_need of them
    // for requests, the rest for later ones); _starved when this instance's demand is over its share.
    private List<CounterWaiter>? _batch;
    private CompiledRateLimitPolicy _policy = policy;
    private int _first;
    private long _need;
    private long _wanted;
    private int _instances;
    private bool _starved;

    // Its last attempt: when, the counter it would write, what it gives back and takes, and the refusal if it takes none.
    private long _preparedAt;
    private CounterValues _prepared;
    private long _returning;
    private long _take;
    private RateLimitDecision _denial;

    /// <summary>Leased tokens this instance holds (for tests and the janitor).</summary>
    public long LeaseTokens
    {
        get
        {
            lock (Sync)
            {
                return _lease.Tokens;
            }
        }
    }

    protected override long TokensHeld => _lease.Tokens;

    /// <summary>
    /// Gives the unspent rest of an expired lease back to the shared bucket (the janitor calls this for idle keys;
    /// with <paramref name="expireNow"/>, on shutdown, for every lease).
    /// </summary>
    public async Task ReturnExpiredLeaseAsync(RateLimiter owner, bool expireNow)
    {
        lock (Sync)
        {
            if (expireNow)
            {
                _lease.ExpireBy(owner.Now);
            }

            if (Queue.IsBusy || _lease.Tokens == 0 || !_lease.IsExpired(owner.Now))
            {
                return;
            }

            Queue.Claim();
        }

        try
        {
            await ProcessBatchAsync(owner, [], topUp: 0);
        }
        finally
        {
            Queue.HandOff();
        }
    }

    public override void Refund(long now)
    {
        lock (Sync)
        {
            if (!_lease.TryRefund(now))
            {
                Fallback.Refund(now);
            }
        }
    }

    protected override bool TryDecideFromMemory(RateLimiter owner, CompiledRateLimitPolicy policy, long now, ref RateLimitDecision decision)
    {
        _demand.Record(now);
        if (_lease.TrySpend(now, in Stored.Values, policy.Limits, ref decision))
        {
            if (TryStartTopUp(owner, policy, now) is > 0 and var topUp)
            {
                _ = TopUpAsync(owner, topUp);
            }

            return true;
        }

        return _denied.TryDeny(now, in Stored.Values, policy.Limits, ref decision);
    }

    protected override bool TryRefuseWhileBusy(RateLimiter owner, CompiledRateLimitPolicy policy, long now, out RateLimitDecision refusal)
    {
        if (base.TryRefuseWhileBusy(owner, policy, now, out refusal))
        {
            return true;
        }

        var instances = owner.Instances.Current;
        if (Queue.Waiting + 1 <= policy.LeaseCap(instances) || !LeasePlanner.IsOverShare(_demand.Rate(now), policy.Limits, instances))
        {
            return false;
        }

        // Over its share and with more requests waiting than one lease can bring, this instance gets fewer tokens
        // than it has requests anyway: refuse now rather than hold the request for the storage call. A burst one
        // lease covers waits for it instead, so a client within its burst is not refused.
        refusal = LeasePlanner.DenialFor(this, in Stored.Values, policy.Limits, now, 1);
        return true;
    }

    protected override CounterValues ValuesAfterCallOut(in CounterLimits limits, long now)
    {
        var values = Stored.Values;
        _lease.ReturnExpired(ref values, limits, now);
        return values;
    }

    protected override Task ProcessBatchAsync(RateLimiter owner, List<CounterWaiter> batch) => ProcessBatchAsync(owner, batch, topUp: 0);

    /// <summary>
    /// Serves what it can of <paramref name="batch"/> from memory, then asks storage for a lease for the rest (or for
    /// <paramref name="topUp"/> tokens ahead), giving back what an expired lease left.
    /// </summary>
    private Task ProcessBatchAsync(RateLimiter owner, List<CounterWaiter> batch, long topUp)
    {
        var policy = Policy;
        var now = owner.Now;
        var first = ServeQueuedFromMemory(batch, now);
        var need = batch.Count - first;
        bool hasReturn;
        lock (Sync)
        {
            hasReturn = _lease.HasExpiredTokens(now);
        }

        if (need == 0 && !hasReturn && topUp == 0)
        {
            CounterBatchQueue.Complete(batch);
            return Task.CompletedTask;
        }

        var instances = owner.Instances.Current;
        double demand;
        lock (Sync)
        {
            demand = _demand.Rate(now);
        }

        var wanted = need == 0 ? topUp : Math.Max(need, LeasePlanner.Size(demand, policy, instances));
        if (policy.Limits.HasRate)
        {
            wanted = Math.Min(wanted, policy.Limits.Burst); // a batch larger than the bucket waits for a full one, not forever
        }

        (_batch, _policy, _first, _need, _wanted, _instances) = (batch, policy, first, need, wanted, instances);
        _starved = LeasePlanner.IsOverShare(demand, policy.Limits, instances);
        return Stored.UpdateAsync(owner, this, now);
    }

    /// <summary>
    /// Requests that queued while the last lease was being taken may be served by it, or refused by what it found.
    /// Returns the index of the first request that still needs storage.
    /// </summary>
    private int ServeQueuedFromMemory(List<CounterWaiter> batch, long now)
    {
        var first = 0;
        lock (Sync)
        {
            var limits = Policy.Limits;
            while (first < batch.Count && _lease.TrySpend(now, in Stored.Values, limits, ref batch[first].Decision))
            {
                batch[first].Decision.State = this;
                first++;
            }

            if (first < batch.Count && _denied.IsActive(now))
            {
                for (int i = first; i < batch.Count; i++)
                {
                    batch[i].Decision = new RateLimitDecision { State = this };
                    _denied.TryDeny(now, in Stored.Values, limits, ref batch[i].Decision);
                }

                first = batch.Count;
            }
        }

        return first;
    }

    /// <summary>Gives back an expired lease's tokens and takes as many of the wanted ones as the bucket and the planner allow.</summary>
    bool ICounterUpdate.TryPrepare(ref CounterValues values, long now)
    {
        var limits = _policy.Limits;
        long returning;
        lock (Sync)
        {
            returning = _lease.ReturnExpired(ref values, limits, now);
        }

        Fallback.MergePending(ref values, now);
        var take = CounterMath.MaxTake(in values, limits, now, _wanted);
        if (_starved && take < _wanted && LeasePlanner.WaitsForWholeLease(in values, limits, now, _wanted))
        {
            // This instance wants more than its share: rather than many small leases (a storage call for every
            // token or two), deny here until a whole lease has refilled. The tokens stay in the bucket.
            take = 0;
        }

        var denial = new RateLimitDecision { State = this };
        if (take > 0)
        {
            CounterMath.TryTake(ref values, limits, now, take, ref denial);
        }
        else if (_need > 0)
        {
            denial = LeasePlanner.DenialFor(this, in values, limits, now, _wanted);
        }

        (_preparedAt, _prepared, _returning, _take, _denial) = (now, values, returning, take, denial);
        return take > 0 || returning > 0;
    }

    void ICounterUpdate.Written(in CounterValues values, long now)
    {
        Fallback.End();
        _lease.Renew(_returning, _take, now, _policy.LeaseTtlTicks);
        var limits = _policy.Limits;
        if (_take > 0 && _starved && LeasePlanner.WaitsForWholeLease(in values, limits, now, _wanted))
        {
            // Over its share: once this lease is spent, the bucket holds less than another one until it refills,
            // so wait for that here rather than ask storage again at once.
            DenyUntilRefilled(in values, now, LeasePlanner.DenialFor(this, in values, limits, now, _wanted));
        }
        else if (_take > 0)
        {
            _denied.Clear();
        }
        else if (_need > 0)
        {
            DenyUntilRefilled(in values, now, in _denial);
        }

        ServeFromLease(_batch!, now);
    }

    void ICounterUpdate.Finish(RateLimiter owner, CounterUpdateOutcome outcome)
    {
        var batch = _batch!;
        _batch = null;
        switch (outcome)
        {
            case CounterUpdateOutcome.Written:
                owner.CountLease(_policy, _take, _returning);
                if (_take > 0)
                {
                    owner.HoldsLease(this);
                }

                break;
            case CounterUpdateOutcome.NothingToWrite:
                lock (Sync)
                {
                    if (_need > 0)
                    {
                        DenyUntilRefilled(in _prepared, _preparedAt, in _denial);
                    }

                    ServeFromLease(batch, _preparedAt);
                }

                break;
            case CounterUpdateOutcome.Contended:
                RefuseContended(owner, _policy, batch, _first);
                return;
            case CounterUpdateOutcome.WriteFailed:
                // The write may or may not have landed: never give the same tokens back twice.
                DropExpiredLease(_preparedAt);
                Degrade(owner, batch, _first);
                return;
            default:
                DropExpiredLease(owner.Now);
                Degrade(owner, batch, _first);
                return;
        }

        CounterBatchQueue.Complete(batch);
    }

    /// <summary>
    /// At high rates, claims the queue to ask for the next lease ahead (<see cref="LeasePlanner.TopUp"/>); returns
    /// the tokens to ask for, or 0. The lock is held.
    /// </summary>
    private long TryStartTopUp(RateLimiter owner, CompiledRateLimitPolicy policy, long now)
    {
        if (Queue.IsBusy || _lease.Tokens <= 0)
        {
            return 0;
        }

        var topUp = LeasePlanner.TopUp(_lease.Tokens, _demand.Rate(now), policy, owner.Instances.Current);
        if (topUp > 0)
        {
            Queue.Claim();
        }

        return topUp;
    }

    private async Task TopUpAsync(RateLimiter owner, long tokens)
    {
        try
        {
            await Task.Yield(); // the request that noticed goes on at once
            await ProcessBatchAsync(owner, [], tokens);
        }
        catch (Exception ex)
        {
            owner.Health.ReleaseProbe();
            owner.LogCounterBug(Policy.Id, ex);
        }
        finally
        {
            Queue.HandOff();
        }
    }

    /// <summary>No tokens to lease: refuses here, with no storage call, until <see cref="LeasePlanner.AskAgainAt"/>. The lock is held.</summary>
    private void DenyUntilRefilled(in CounterValues values, long now, in RateLimitDecision denial) =>
        _denied.Set(in denial, LeasePlanner.AskAgainAt(in values, _policy.Limits, now, _wanted, _instances, in denial));

    /// <summary>Answers the requests of the batch that needed storage from the lease just taken, or refuses them. The lock is held.</summary>
    private void ServeFromLease(List<CounterWaiter> batch, long now)
    {
        var limits = Policy.Limits;
        for (int i = _first; i < batch.Count; i++)
        {
            batch[i].Decision = new RateLimitDecision { State = this };
            if (!_lease.TrySpend(now, in Stored.Values, limits, ref batch[i].Decision)
                && !_denied.TryDeny(now, in Stored.Values, limits, ref batch[i].Decision))
            {
                // The lease was smaller than the batch: the rest waits for the next token.
                var probe = Stored.Values;
                CounterMath.TryTake(ref probe, limits, now, 1, ref batch[i].Decision);
                if (batch[i].Decision.IsAllowed)
                {
                    batch[i].Decision.Outcome = RateLimitOutcome.Limited;
                    batch[i].Decision.RetryAfterTicks = Math.Max(limits.Interval, TimeSpan.TicksPerMillisecond);
                }
            }
        }
    }

    private void DropExpiredLease(long now)
    {
        lock (Sync)
        {
            _lease.DropIfExpired(now);
        }
    }
}
