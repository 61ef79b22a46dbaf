using Azure;

namespace Portico.RateLimiting;

/// <summary>
/// One instance's view of a counter shared through Table storage (<c>exact</c> and <c>leased</c> policies).
/// </summary>
/// <remarks>
/// <para>
/// Storage calls for one key are made one batch at a time: requests that arrive while a call is out queue up,
/// and the next call decides for all of them at once (group commit). In <c>exact</c> mode the batch is one
/// conditional update that counts every request it admits, so admissions never exceed the limit however many
/// instances write, and a burst of concurrent requests costs one round trip instead of one each. A 412 (another
/// instance wrote first) re-reads the entity and retries with jitter. Because a counter's shared state only moves
/// towards "more used", a request the last-known state already denies is denied without any storage call.
/// </para>
/// <para>
/// In <c>leased</c> mode the update takes a block of tokens (a lease) from the shared bucket and this instance
/// spends them from memory; the block grows with the local demand (half a second of it, one token at low rates)
/// up to the policy's cap, and at high rates the next block is asked for while half of the current one is left,
/// so requests are served from memory without waiting on storage. Unspent tokens go back to the bucket once the
/// lease's TTL passes (with the next lease's update, or by the janitor when the key went idle). When the bucket is
/// empty the instance denies locally, without storage calls, until enough tokens for a lease have refilled.
/// </para>
/// </remarks>
internal sealed class SharedCounter : CounterState
{
    private const int MaxAttempts = 6;

    /// <summary>A lease covers this much of the instance's recent demand (half the default TTL, so it is spent in time).</summary>
    private const double LeaseHorizonSeconds = 0.5;

    private const long LeaseHorizonTicks = TimeSpan.TicksPerSecond / 2;

    private readonly Lock _lock = new();
    private readonly List<Waiter> _queue = [];
    private bool _busy;

    // The counter as last read or written; _etag is default while the entity does not exist.
    private bool _known;
    private ETag _etag;
    private CounterValues _shared;

    // Leased: tokens held by this instance, until when, and the quota windows they were taken in.
    private long _leaseTokens;
    private long _leaseExpires;
    private PerPeriod<long> _leaseWindows;

    // No storage call before _deniedUntil: requests get _denial, with Retry-After until then.
    private long _deniedUntil;
    private RateLimitDecision _denial;

    // Until when to read before writing: other instances wrote this counter recently, so the cached ETag is
    // likely stale and an optimistic write would cost a 412 and a read anyway.
    private long _contendedUntil;

    // Local demand, to size leases.
    private long _demandStart;
    private long _demandCount;
    private double _demandRate;

    // While storage is unreachable (failOpen): local limits at this instance's share, and what they admitted,
    // to add to the shared quotas once storage is back.
    private LocalCounter? _fallback;
    private CounterLimits _fallbackLimits;
    private PerPeriod<QuotaCount> _pendingQuota;

    public SharedCounter(CompiledRateLimitPolicy policy, string partitionKey)
        : base(policy)
    {
        PartitionKey = partitionKey;
    }

    public string PartitionKey { get; }

    public string RowKey => Policy.Id;

    /// <summary>Leased tokens this instance holds (for tests and the janitor).</summary>
    public long LeaseTokens
    {
        get
        {
            lock (_lock)
            {
                return _leaseTokens;
            }
        }
    }

    /// <summary>Decides one request, from memory when it can, otherwise with the next storage batch.</summary>
    public ValueTask<RateLimitDecision> AcquireAsync(RateLimiter owner, long now)
    {
        var policy = Policy;
        lock (_lock)
        {
            if (policy.Store == CounterStoreKind.Leased)
            {
                RecordDemand(now);
                var decision = new RateLimitDecision { State = this };
                if (TryFromLease(now, ref decision))
                {
                    if (TryStartTopUp(owner, now) is { } topUp)
                    {
                        _ = TopUpAsync(owner, topUp);
                    }

                    return new ValueTask<RateLimitDecision>(decision);
                }

                if (TryDeniedLocally(now, ref decision))
                {
                    return new ValueTask<RateLimitDecision>(decision);
                }
            }
            else if (_known)
            {
                // Shared state only moves towards "more used": what the last-known state denies, storage denies too.
                var values = _shared;
                var decision = new RateLimitDecision { State = this };
                if (!CounterMath.TryTake(ref values, policy.Limits, now, 1, ref decision) || TryDeniedLocally(now, ref decision))
                {
                    return new ValueTask<RateLimitDecision>(decision);
                }
            }
        }

        if (owner.Health.IsOpen(now))
        {
            return new ValueTask<RateLimitDecision>(Fallback(owner, now));
        }

        lock (_lock)
        {
            // A storage call for this key is out. The last-known state bounds what it can bring (it only gets more
            // used); requests beyond that bound would queue only to be denied: deny them now, from memory.
            var decision = new RateLimitDecision { State = this };
            if (_busy && _known && TryDenyBeyondBound(policy, now, ref decision))
            {
                return new ValueTask<RateLimitDecision>(decision);
            }

            var instances = owner.Instances.Current;
            if (_busy && _known && policy.Store == CounterStoreKind.Leased && _queue.Count + 1 > policy.LeaseCap(instances)
                && RateAbove(DemandRate(now), instances))
            {
                // Over its share and with more requests waiting than one lease can bring, this instance gets fewer
                // tokens than it has requests anyway: refuse now rather than hold the request for the storage call.
                // A burst one lease covers waits for it instead, so a client within its burst is not refused.
                return new ValueTask<RateLimitDecision>(DenialFor(in _shared, policy.Limits, now, 1));
            }
        }

        return EnqueueAsync(owner);
    }

    /// <summary>
    /// Gives the unspent rest of an expired lease back to the shared bucket (the janitor calls this for idle keys;
    /// with <paramref name="expireNow"/>, on shutdown, for every lease).
    /// </summary>
    public async Task ReturnExpiredLeaseAsync(RateLimiter owner, bool expireNow)
    {
        lock (_lock)
        {
            if (expireNow)
            {
                _leaseExpires = Math.Min(_leaseExpires, owner.Now);
            }

            if (_busy || _leaseTokens == 0 || owner.Now < _leaseExpires)
            {
                return;
            }

            _busy = true;
        }

        try
        {
            await ProcessLeasedAsync(owner, []);
        }
        finally
        {
            HandOff();
        }
    }

    /// <summary>
    /// At high rates, asks for the next lease while half of the current one is left, so requests keep being served
    /// from memory instead of waiting on the storage call when the lease runs out. Never for a key that wants
    /// more than its share (the bucket is empty then) or at low rates (one token at a time, nothing held ahead).
    /// </summary>
    private long? TryStartTopUp(RateLimiter owner, long now)
    {
        if (_busy || _leaseTokens <= 0)
        {
            return null;
        }

        var instances = owner.Instances.Current;
        var size = Math.Clamp((long)Math.Ceiling(DemandRate(now) * LeaseHorizonSeconds), 1, Policy.LeaseCap(instances));
        if (size < 4 || _leaseTokens > size / 2 || RateAbove(DemandRate(now), instances))
        {
            return null;
        }

        _busy = true;
        return size - _leaseTokens;
    }

    private async Task TopUpAsync(RateLimiter owner, long tokens)
    {
        try
        {
            await Task.Yield(); // the request that noticed goes on at once
            await ProcessLeasedAsync(owner, [], tokens);
        }
        catch (Exception ex)
        {
            owner.Health.ReleaseProbe();
            owner.LogCounterBug(Policy.Id, ex);
        }
        finally
        {
            HandOff();
        }
    }

    public override void Refund(long now)
    {
        lock (_lock)
        {
            if (Policy.Store == CounterStoreKind.Leased && now < _leaseExpires)
            {
                _leaseTokens++;
            }
            else
            {
                _fallback?.Refund(now);
            }
        }
    }

    public override bool IsIdle(long now)
    {
        lock (_lock)
        {
            return !_busy && _leaseTokens == 0 && InFlight == 0 && _fallback is null
                   && now - LastUsed > TimeSpan.TicksPerMinute;
        }
    }

    /// <summary>The decision while storage is unreachable: 503 for failClosed, else local limits at this instance's share.</summary>
    private RateLimitDecision Fallback(RateLimiter owner, long now)
    {
        var policy = Policy;
        if (policy.FailClosed)
        {
            owner.CountFallback(policy, closed: true);
            return new RateLimitDecision
            {
                Outcome = RateLimitOutcome.Unavailable,
                RetryAfterTicks = owner.Health.RetryAfter(now),
                Degraded = true,
                State = this,
            };
        }

        owner.CountFallback(policy, closed: false);
        lock (_lock)
        {
            if (_fallback is null)
            {
                _fallback = new LocalCounter(policy);
                _fallbackLimits = policy.Limits.Share(owner.Instances.Current, in _shared.Quotas, now);
            }

            var decision = _fallback.Acquire(in _fallbackLimits, now);
            if (decision.IsAllowed)
            {
                for (int p = 0; p < QuotaWindow.PeriodCount; p++)
                {
                    if (policy.Limits.HasQuota((QuotaPeriod)p))
                    {
                        var start = QuotaWindow.Start((QuotaPeriod)p, now);
                        _pendingQuota[p] = new QuotaCount(start, _pendingQuota[p].In(start) + 1);
                    }
                }
            }

            decision.Degraded = true;
            decision.State = this;
            return decision;
        }
    }

    private async ValueTask<RateLimitDecision> EnqueueAsync(RateLimiter owner)
    {
        var me = new Waiter();
        bool lead;
        lock (_lock)
        {
            lead = !_busy;
            if (lead)
            {
                _busy = true;
            }
            else
            {
                _queue.Add(me);
            }
        }

        if (!lead)
        {
            await me.Done.Task;
            if (!me.Lead)
            {
                return me.Decision;
            }
        }

        List<Waiter> batch;
        lock (_lock)
        {
            batch = new List<Waiter>(_queue.Count + 1) { me };
            batch.AddRange(_queue);
            _queue.Clear();
        }

        try
        {
            if (Policy.Store == CounterStoreKind.Leased)
            {
                await ProcessLeasedAsync(owner, batch);
            }
            else
            {
                await ProcessExactAsync(owner, batch);
            }
        }
        catch (Exception ex)
        {
            // A bug, not an outage: log it, and let no request wait for an answer that will not come.
            owner.LogCounterBug(Policy.Id, ex);
            // Every path of the processing answers the whole batch last, so none of it was answered yet.
            owner.Health.ReleaseProbe();
            var now = owner.Now;
            foreach (var waiter in batch)
            {
                waiter.Decision = Fallback(owner, now);
            }

            Complete(batch);
        }
        finally
        {
            HandOff();
        }

        return me.Decision;
    }

    private void HandOff()
    {
        Waiter? next = null;
        lock (_lock)
        {
            if (_queue.Count > 0)
            {
                next = _queue[0];
                _queue.RemoveAt(0);
                next.Lead = true;
            }
            else
            {
                _busy = false;
            }
        }

        next?.Done.TrySetResult();
    }

    private async Task ProcessExactAsync(RateLimiter owner, List<Waiter> batch)
    {
        var limits = Policy.Limits;
        var started = owner.Now;
        bool mustRead;
        lock (_lock)
        {
            mustRead = !_known || started < _contendedUntil;
        }

        for (int attempt = 1; ; attempt++)
        {
            if (!owner.Health.CanUseStorage(owner.Now))
            {
                Degrade(owner, batch, 0);
                return;
            }

            if (mustRead && !await ReadAsync(owner, batch, 0))
            {
                return;
            }

            var now = owner.Now;
            CounterValues values;
            ETag etag;
            lock (_lock)
            {
                values = _shared;
                etag = _etag;
            }

            MergePendingQuota(ref values, now);
            var admitted = 0;
            foreach (var waiter in batch)
            {
                waiter.Decision = new RateLimitDecision { State = this };
                if (CounterMath.TryTake(ref values, limits, now, 1, ref waiter.Decision))
                {
                    admitted++;
                }
            }

            if (admitted == 0)
            {
                owner.Health.ReleaseProbe();
                lock (_lock)
                {
                    // The next token is taken by whichever instance asks first: wait a random part of a token
                    // interval per instance beyond it, so instances take turns instead of all asking at once.
                    var denial = batch[0].Decision;
                    _denial = denial;
                    var retryAt = now + denial.RetryAfterTicks;
                    var spread = limits.HasRate ? Math.Min(limits.Interval * Math.Max(1, owner.Instances.Current), LeaseHorizonTicks) : 0;
                    _deniedUntil = denial.Outcome == RateLimitOutcome.QuotaExceeded
                        ? retryAt
                        : retryAt + (spread > 1 ? Random.Shared.NextInt64(spread) : 0);
                }

                Complete(batch);
                return;
            }

            var result = await owner.Store.WriteAsync(CounterEntity.From(PartitionKey, RowKey, in values), etag);
            switch (result.Status)
            {
                case StoreStatus.Ok:
                    owner.Health.ReportSuccess();
                    lock (_lock)
                    {
                        Remember(in values, result.ETag);
                    }

                    Complete(batch);
                    return;
                case StoreStatus.Conflict:
                    owner.Health.ReportSuccess();
                    mustRead = true;
                    MarkContended(owner.Now);
                    if (attempt >= MaxAttempts || owner.Now - started > owner.StorageTimeoutTicks)
                    {
                        // Many instances writing the same key at once: deny rather than admit unconfirmed.
                        owner.CountContention(Policy);
                        foreach (var waiter in batch)
                        {
                            waiter.Decision = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerSecond, State = this };
                        }

                        Complete(batch);
                        return;
                    }

                    await owner.JitterAsync(attempt);
                    break;
                default:
                    owner.Health.ReportFailure(result.Error ?? "write failed");
                    Degrade(owner, batch, 0);
                    return;
            }
        }
    }

    private async Task ProcessLeasedAsync(RateLimiter owner, List<Waiter> batch, long topUp = 0)
    {
        var policy = Policy;
        var limits = policy.Limits;
        var now = owner.Now;

        // Requests that queued while the last lease was being taken may be served by it, or denied by what it found.
        var first = 0;
        lock (_lock)
        {
            while (first < batch.Count && TryFromLease(now, ref batch[first].Decision))
            {
                batch[first].Decision.State = this;
                first++;
            }

            if (first < batch.Count && now < _deniedUntil)
            {
                for (int i = first; i < batch.Count; i++)
                {
                    batch[i].Decision = new RateLimitDecision { State = this };
                    TryDeniedLocally(now, ref batch[i].Decision);
                }

                first = batch.Count;
            }
        }

        var need = batch.Count - first;
        bool hasReturn;
        lock (_lock)
        {
            hasReturn = _leaseTokens > 0 && now >= _leaseExpires;
        }

        if (need == 0 && !hasReturn && topUp == 0)
        {
            Complete(batch);
            return;
        }

        var instances = owner.Instances.Current;
        var wanted = need == 0 ? topUp : Math.Max(need, LeaseSize(now, instances));
        if (limits.HasRate)
        {
            wanted = Math.Min(wanted, limits.Burst); // a batch larger than the bucket waits for a full one, not forever
        }

        var starved = IsStarved(now, instances);
        var started = now;
        bool mustRead;
        lock (_lock)
        {
            mustRead = !_known || now < _contendedUntil;
        }

        for (int attempt = 1; ; attempt++)
        {
            if (!owner.Health.CanUseStorage(owner.Now))
            {
                DropExpiredLease(owner.Now);
                Degrade(owner, batch, first);
                return;
            }

            if (mustRead && !await ReadAsync(owner, batch, first))
            {
                DropExpiredLease(owner.Now);
                return;
            }

            now = owner.Now;
            CounterValues values;
            ETag etag;
            long returning;
            lock (_lock)
            {
                values = _shared;
                etag = _etag;
                returning = now >= _leaseExpires ? _leaseTokens : 0;
                CounterMath.Return(ref values, limits, now, returning, in _leaseWindows);
            }

            MergePendingQuota(ref values, now);
            var take = CounterMath.MaxTake(in values, limits, now, wanted);
            if (starved && take < wanted && CounterMath.Available(in values, limits, now) < wanted
                && CounterMath.TimeUntil(in values, limits, now, wanted) <= LeaseHorizonTicks)
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
            else if (need > 0)
            {
                denial = DenialFor(in values, limits, now, wanted);
            }

            if (take == 0 && returning == 0)
            {
                owner.Health.ReleaseProbe();
                lock (_lock)
                {
                    if (need > 0)
                    {
                        DenyUntilRefilled(in values, limits, now, wanted, instances, in denial);
                    }

                    ServeFromLease(batch, first, now);
                }

                Complete(batch);
                return;
            }

            var result = await owner.Store.WriteAsync(CounterEntity.From(PartitionKey, RowKey, in values), etag);
            switch (result.Status)
            {
                case StoreStatus.Ok:
                    owner.Health.ReportSuccess();
                    lock (_lock)
                    {
                        Remember(in values, result.ETag);
                        _leaseTokens = _leaseTokens - returning + take; // a top-up adds to what is left
                        _leaseExpires = now + policy.LeaseTtlTicks;
                        _leaseWindows = CounterMath.WindowStarts(now);
                        if (take > 0 && starved && CounterMath.Available(in values, limits, now) < wanted
                            && CounterMath.TimeUntil(in values, limits, now, wanted) <= LeaseHorizonTicks)
                        {
                            // Over its share: once this lease is spent, the bucket holds less than another one
                            // until it refills, so wait for that here rather than ask storage again at once.
                            DenyUntilRefilled(in values, limits, now, wanted, instances, DenialFor(in values, limits, now, wanted));
                        }
                        else if (take > 0)
                        {
                            _deniedUntil = 0;
                        }
                        else if (need > 0)
                        {
                            DenyUntilRefilled(in values, limits, now, wanted, instances, in denial);
                        }

                        ServeFromLease(batch, first, now);
                    }

                    owner.CountLease(policy, take, returning);
                    if (take > 0)
                    {
                        owner.HoldsLease(this);
                    }

                    Complete(batch);
                    return;
                case StoreStatus.Conflict:
                    owner.Health.ReportSuccess();
                    mustRead = true;
                    MarkContended(owner.Now);
                    if (attempt >= MaxAttempts || owner.Now - started > owner.StorageTimeoutTicks)
                    {
                        owner.CountContention(policy);
                        for (int i = first; i < batch.Count; i++)
                        {
                            batch[i].Decision = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerSecond, State = this };
                        }

                        Complete(batch);
                        return;
                    }

                    await owner.JitterAsync(attempt);
                    break;
                default:
                    owner.Health.ReportFailure(result.Error ?? "write failed");
                    // The write may or may not have landed: never give the same tokens back twice.
                    DropExpiredLease(now);
                    Degrade(owner, batch, first);
                    return;
            }
        }
    }

    private bool TryDenyBeyondBound(CompiledRateLimitPolicy policy, long now, ref RateLimitDecision decision)
    {
        var limits = policy.Limits;
        var values = _shared;
        if (policy.Store == CounterStoreKind.Leased && now >= _leaseExpires)
        {
            CounterMath.Return(ref values, limits, now, _leaseTokens, in _leaseWindows); // what the call gives back
        }

        var queued = _queue.Count + 1;
        if (CounterMath.MaxTake(in values, limits, now, queued) >= queued)
        {
            return false;
        }

        CounterMath.TryTake(ref values, limits, now, queued, ref decision);
        if (decision.IsAllowed)
        {
            return false;
        }

        decision.RetryAfterTicks = Math.Max(decision.RetryAfterTicks, TimeSpan.TicksPerMillisecond);
        return true;
    }

    /// <summary>Reads the entity into the cache; false (with the batch answered by the failure mode) when storage failed.</summary>
    private async Task<bool> ReadAsync(RateLimiter owner, List<Waiter> batch, int first)
    {
        var read = await owner.Store.ReadAsync(PartitionKey, RowKey);
        if (read.Status == StoreStatus.Failed)
        {
            owner.Health.ReportFailure(read.Error ?? "read failed");
            Degrade(owner, batch, first);
            return false;
        }

        owner.Health.ReportSuccess();
        lock (_lock)
        {
            if (_known && read.ETag != _etag)
            {
                _contendedUntil = owner.Now + (2 * TimeSpan.TicksPerSecond); // another instance wrote since we last did
            }

            _known = true;
            if (read.Entity is { } entity)
            {
                _shared = entity.ToValues();
                _etag = read.ETag;
            }
            else
            {
                _shared = default;
                _etag = default;
            }
        }

        return true;
    }

    /// <summary>Caches a successful write; storage now holds what the fallback admitted, so it ends.</summary>
    private void Remember(in CounterValues values, ETag etag)
    {
        _shared = values;
        _etag = etag;
        _known = true;
        _pendingQuota = default;
        _fallback = null;
    }

    private void MergePendingQuota(ref CounterValues values, long now)
    {
        lock (_lock)
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

    private bool TryFromLease(long now, ref RateLimitDecision decision)
    {
        if (_leaseTokens <= 0 || now >= _leaseExpires)
        {
            return false;
        }

        _leaseTokens--;
        decision.Outcome = RateLimitOutcome.Allowed;
        decision.RetryAfterTicks = 0;
        // What the client sees is an estimate: the shared bucket as last seen, plus what this instance holds.
        var limits = Policy.Limits;
        CounterMath.Describe(in _shared, limits, now, ref decision);
        if (limits.HasRate)
        {
            decision.RateRemaining = Math.Min(limits.Burst, decision.RateRemaining + _leaseTokens);
        }

        for (int p = 0; p < QuotaWindow.PeriodCount; p++)
        {
            if (limits.HasQuota((QuotaPeriod)p))
            {
                decision.QuotaRemaining[p] = Math.Min(limits.Quota((QuotaPeriod)p), decision.QuotaRemaining[p] + _leaseTokens);
            }
        }

        return true;
    }

    private bool TryDeniedLocally(long now, ref RateLimitDecision decision)
    {
        if (now >= _deniedUntil)
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

        // This instance asks storage again at _deniedUntil: until then it refuses, so that is when to come back.
        decision.RetryAfterTicks = Math.Max(_deniedUntil - now, TimeSpan.TicksPerMillisecond);
        if (Policy.Limits.HasRate)
        {
            decision.RateResetTicks = Math.Max(0, _shared.Tat - now);
        }

        return true;
    }

    /// <summary>
    /// The answer while this instance waits for <paramref name="wanted"/> tokens: what the bucket says for one
    /// more request, and when tokens are there but fewer than a lease (the instance is over its share), a 429
    /// until the lease has refilled.
    /// </summary>
    private RateLimitDecision DenialFor(in CounterValues values, in CounterLimits limits, long now, long wanted)
    {
        var denial = new RateLimitDecision { State = this };
        var probe = values;
        if (CounterMath.TryTake(ref probe, limits, now, 1, ref denial))
        {
            denial.Outcome = RateLimitOutcome.Limited;
            denial.RetryAfterTicks = Math.Max(TimeSpan.TicksPerMillisecond, CounterMath.TimeUntil(in values, limits, now, wanted));
        }

        return denial;
    }

    /// <summary>
    /// No tokens to lease: deny here, with no storage call, until a whole lease has refilled. The instances that
    /// share the bucket each add a random delay of up to one lease per instance, so they take turns instead of
    /// all calling at the same moment (and all but one finding the bucket empty again).
    /// </summary>
    private void DenyUntilRefilled(in CounterValues values, in CounterLimits limits, long now, long wanted, int instances, in RateLimitDecision denial)
    {
        _denial = denial;
        if (denial.Outcome == RateLimitOutcome.QuotaExceeded)
        {
            _deniedUntil = now + denial.RetryAfterTicks;
            return;
        }

        // Wait for a whole lease only when it refills soon; at slow rates wait for the next token.
        wanted = Math.Max(1, wanted);
        if (CounterMath.TimeUntil(in values, limits, now, wanted) > LeaseHorizonTicks)
        {
            wanted = 1;
        }

        var wait = Math.Max(denial.RetryAfterTicks, CounterMath.TimeUntil(in values, limits, now, wanted));
        // Spread over one and a half leases' refill for three instances (half a lease per instance): attempts come a
        // little more often than leases refill, so tokens never pile up unclaimed, yet rarely at the same moment.
        var spread = limits.HasRate ? Math.Min(limits.Interval * wanted * Math.Max(2, instances) / 2, LeaseHorizonTicks) : 0;
        _deniedUntil = now + wait + (spread > 1 ? Random.Shared.NextInt64(spread) : 0);
    }

    private void ServeFromLease(List<Waiter> batch, int first, long now)
    {
        for (int i = first; i < batch.Count; i++)
        {
            batch[i].Decision = new RateLimitDecision { State = this };
            if (!TryFromLease(now, ref batch[i].Decision) && !TryDeniedLocally(now, ref batch[i].Decision))
            {
                // The lease was smaller than the batch: the rest waits for the next token.
                var probe = _shared;
                CounterMath.TryTake(ref probe, Policy.Limits, now, 1, ref batch[i].Decision);
                if (batch[i].Decision.IsAllowed)
                {
                    batch[i].Decision.Outcome = RateLimitOutcome.Limited;
                    batch[i].Decision.RetryAfterTicks = Math.Max(Policy.Limits.Interval, TimeSpan.TicksPerMillisecond);
                }
            }
        }
    }

    private void DropExpiredLease(long now)
    {
        lock (_lock)
        {
            if (now >= _leaseExpires)
            {
                _leaseTokens = 0;
            }
        }
    }

    private void Degrade(RateLimiter owner, List<Waiter> batch, int first)
    {
        var now = owner.Now;
        for (int i = first; i < batch.Count; i++)
        {
            batch[i].Decision = Fallback(owner, now);
        }

        Complete(batch);
    }

    private static void Complete(List<Waiter> batch)
    {
        foreach (var waiter in batch)
        {
            waiter.Done.TrySetResult();
        }
    }

    /// <summary>Tokens to ask for: half a second of this instance's demand, at least one, at most the policy's lease cap.</summary>
    private long LeaseSize(long now, int instances)
    {
        double rate;
        lock (_lock)
        {
            rate = DemandRate(now);
        }

        return Math.Clamp((long)Math.Ceiling(rate * LeaseHorizonSeconds), 1, Policy.LeaseCap(instances));
    }

    /// <summary>Whether this instance asks for more than its share of the rate (then it waits for whole leases).</summary>
    private bool IsStarved(long now, int instances)
    {
        var limits = Policy.Limits;
        if (!limits.HasRate)
        {
            return false;
        }

        double rate;
        lock (_lock)
        {
            rate = DemandRate(now);
        }

        return RateAbove(rate, instances);
    }

    /// <summary>Whether a local demand of <paramref name="rate"/> per second is above this instance's share of the policy's rate.</summary>
    private bool RateAbove(double rate, int instances)
    {
        var limits = Policy.Limits;
        return limits.HasRate && rate > TimeSpan.TicksPerSecond / (double)limits.Interval / Math.Max(1, instances);
    }

    private void MarkContended(long now)
    {
        lock (_lock)
        {
            _contendedUntil = now + (2 * TimeSpan.TicksPerSecond);
        }
    }

    private void RecordDemand(long now)
    {
        var elapsed = now - _demandStart;
        if (elapsed >= TimeSpan.TicksPerSecond / 4)
        {
            var rate = _demandCount * (double)TimeSpan.TicksPerSecond / elapsed;
            _demandRate = elapsed > TimeSpan.TicksPerSecond ? rate : (_demandRate + rate) / 2;
            _demandStart = now;
            _demandCount = 0;
        }

        _demandCount++;
    }

    private double DemandRate(long now)
    {
        var elapsed = Math.Max(now - _demandStart, TimeSpan.TicksPerSecond / 4);
        return Math.Max(_demandRate, _demandCount * (double)TimeSpan.TicksPerSecond / elapsed);
    }

    private sealed class Waiter
    {
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public RateLimitDecision Decision;
        public bool Lead;
    }
}
