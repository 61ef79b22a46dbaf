using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.RateLimiting.SharedCounters;

namespace Portico.RateLimiting;

/// <summary>
/// Holds every counter of this instance, keyed by policy and key, for the life of the process (registry reloads
/// keep them), and decides requests against them. <c>local</c> decisions are made in memory and complete
/// synchronously; <c>exact</c> and <c>leased</c> ones go through a <see cref="SharedCounter"/> (<see cref="ExactCounter"/>,
/// <see cref="LeasedCounter"/>).
/// </summary>
internal sealed partial class RateLimiter
{
    /// <summary>The key of the shared overflow counter used once <see cref="RateLimitingOptions.MaxTrackedKeys"/> keys are tracked.</summary>
    public const string OverflowKey = "~overflow";

    private readonly ConcurrentDictionary<CounterKey, CounterState> _counters = new();
    private readonly ConcurrentDictionary<LeasedCounter, byte> _leaseHolders = new();
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly PorticoMetrics _metrics;
    private readonly ILogger<RateLimiter> _logger;
    private readonly int _maxKeys;
    private int _tracked;
    private int _sharedUsed;

    public RateLimiter(
        IRateCounterStore store,
        StorageHealth health,
        InstanceCount instances,
        IOptions<PorticoOptions> options,
        TimeProvider time,
        PorticoMetrics metrics,
        ILogger<RateLimiter> logger)
    {
        Store = store;
        Health = health;
        Instances = instances;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxKeys = options.Value.RateLimiting.MaxTrackedKeys;
        StorageTimeoutTicks = options.Value.RateLimiting.StorageTimeout.Ticks;
    }

    public IRateCounterStore Store { get; }

    public StorageHealth Health { get; }

    public InstanceCount Instances { get; }

    public long StorageTimeoutTicks { get; }

    /// <summary>Now, in UTC ticks: shared counters compare times written by different instances.</summary>
    public long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>Keys tracked in memory.</summary>
    public int TrackedKeys => Volatile.Read(ref _tracked);

    /// <summary>Whether any shared counter was used, or the registry has shared policies (heartbeats start then).</summary>
    public bool SharedUsed => Volatile.Read(ref _sharedUsed) == 1;

    /// <summary>Notes that the live registry has shared policies, before any request used them.</summary>
    public void ExpectShared() => Volatile.Write(ref _sharedUsed, 1);

    /// <summary>Decides one request of <paramref name="key"/> under <paramref name="policy"/>.</summary>
    public ValueTask<RateLimitDecision> AcquireAsync(CompiledRateLimitPolicy policy, string key)
    {
        var now = Now;
        var state = GetState(policy, key, now);
        RateLimitDecision decision;
        switch (state)
        {
            case SharedCounter shared:
                var pending = shared.AcquireAsync(this, now);
                if (!pending.IsCompletedSuccessfully)
                {
                    return CountAsync(policy, pending);
                }

                decision = pending.Result;
                break;
            case LocalCounter local when policy.Counts:
                decision = local.Acquire(policy.Limits, now);
                break;
            default:
                decision = new RateLimitDecision { State = state };
                break;
        }

        CountDecision(policy, in decision);
        return new ValueTask<RateLimitDecision>(decision);
    }

    /// <summary>
    /// Takes <paramref name="tokens"/> more tokens of <paramref name="key"/> under <paramref name="policy"/> for a request
    /// already admitted (a GraphQL operation's cost, docs/graphql.md#rate-limits-in-cost-units): all or none. A
    /// <c>local</c> counter takes them in one step; a shared one token by token through its usual path (a lease spends
    /// them from memory; an <c>exact</c> counter confirms each), giving back what it took when one is refused.
    /// </summary>
    public async ValueTask<RateLimitDecision> ChargeAsync(CompiledRateLimitPolicy policy, string key, long tokens)
    {
        // A charge larger than the bucket or a quota can never pass: taking one token more than the smallest of them is
        // refused just the same, and keeps the arithmetic (tokens × interval) and the shared counters' loop bounded.
        var limits = policy.Limits;
        if (limits.HasRate)
        {
            tokens = Math.Min(tokens, limits.Burst + 1);
        }

        foreach (var period in QuotaWindow.AllPeriods)
        {
            if (limits.HasQuota(period))
            {
                tokens = Math.Min(tokens, limits.Quota(period) + 1);
            }
        }

        var now = Now;
        var state = GetState(policy, key, now);
        RateLimitDecision decision;
        if (state is SharedCounter shared)
        {
            decision = new RateLimitDecision { State = state };
            for (long taken = 0; taken < tokens; taken++)
            {
                decision = await shared.AcquireAsync(this, Now);
                if (!decision.IsAllowed)
                {
                    shared.Refund(Now, taken);
                    break;
                }
            }
        }
        else
        {
            decision = state is LocalCounter local && policy.Counts ? local.Acquire(limits, now, tokens) : new RateLimitDecision { State = state };
        }

        CountDecision(policy, in decision);
        return decision;
    }

    /// <summary>The counter of <paramref name="policy"/> and <paramref name="key"/>, created on first use.</summary>
    public CounterState GetState(CompiledRateLimitPolicy policy, string key, long now)
    {
        var store = policy.Counts ? policy.EffectiveStore : CounterStoreKind.Local;
        var id = new CounterKey(policy.Id, key, store);
        if (!_counters.TryGetValue(id, out var state))
        {
            if (policy.Store != CounterStoreKind.Local && !policy.StoreIsShared && _warned.TryAdd(policy.Id, 0))
            {
                LogNoStorage(_logger, policy.Id, policy.Store.ToString().ToLowerInvariant());
            }

            if (Volatile.Read(ref _tracked) >= _maxKeys)
            {
                // Bounded memory: past the limit, new keys share one counter per policy (stricter, never looser).
                id = id with { Key = OverflowKey };
                if (_warned.TryAdd("~overflow", 0))
                {
                    LogOverflow(_logger, _maxKeys);
                }
            }

            if (!_counters.TryGetValue(id, out state))
            {
                var created = Create(policy, id);
                if (_counters.TryAdd(id, created))
                {
                    Interlocked.Increment(ref _tracked);
                    state = created;
                }
                else
                {
                    state = _counters[id];
                }
            }
        }

        state.Touch(policy, now);
        return state;
    }

    /// <summary>Forgets counters that carry no information any more (full bucket, no quota counted, nothing in flight).</summary>
    public int Sweep()
    {
        var now = Now;
        var removed = 0;
        foreach (var entry in _counters)
        {
            if (entry.Value.IsIdle(now) && _counters.TryRemove(entry))
            {
                Interlocked.Decrement(ref _tracked);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Gives the unspent rest of expired leases back to the shared buckets.</summary>
    public async Task ReturnExpiredLeasesAsync(bool all)
    {
        foreach (var holder in _leaseHolders.Keys)
        {
            if (holder.LeaseTokens == 0)
            {
                _leaseHolders.TryRemove(holder, out _);
                continue;
            }

            await holder.ReturnExpiredLeaseAsync(this, expireNow: all);
        }
    }

    /// <summary>A short random pause before retrying a conflicting write, so contending instances spread out.</summary>
    public Task JitterAsync(int attempt) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 << Math.Min(attempt, 4))), _time);

    public void CountFallback(CompiledRateLimitPolicy policy, bool closed) =>
        _metrics.RateLimitFallback.Add(1, new KeyValuePair<string, object?>("portico.policy", policy.Id), new KeyValuePair<string, object?>("mode", closed ? "failClosed" : "failOpen"));

    public void CountContention(CompiledRateLimitPolicy policy) =>
        _metrics.RateLimitContention.Add(1, new KeyValuePair<string, object?>("portico.policy", policy.Id));

    public void CountLease(CompiledRateLimitPolicy policy, long taken, long returned)
    {
        if (taken > 0)
        {
            _metrics.RateLimitLeaseTokens.Add(taken, new KeyValuePair<string, object?>("portico.policy", policy.Id), new KeyValuePair<string, object?>("direction", "taken"));
        }

        if (returned > 0)
        {
            _metrics.RateLimitLeaseTokens.Add(returned, new KeyValuePair<string, object?>("portico.policy", policy.Id), new KeyValuePair<string, object?>("direction", "returned"));
        }
    }

    /// <summary>Notes a counter that holds leased tokens, for the janitor.</summary>
    public void HoldsLease(LeasedCounter counter) => _leaseHolders.TryAdd(counter, 0);

    public void LogCounterBug(string policyId, Exception exception) => LogBug(_logger, policyId, exception);

    private async ValueTask<RateLimitDecision> CountAsync(CompiledRateLimitPolicy policy, ValueTask<RateLimitDecision> pending)
    {
        var decision = await pending;
        CountDecision(policy, in decision);
        return decision;
    }

    private void CountDecision(CompiledRateLimitPolicy policy, in RateLimitDecision decision) =>
        _metrics.RateLimitDecisions.Add(
            1,
            new KeyValuePair<string, object?>("portico.policy", policy.Id),
            new KeyValuePair<string, object?>("outcome", decision.Outcome switch
            {
                RateLimitOutcome.Allowed => decision.Degraded ? "allowed_degraded" : "allowed",
                RateLimitOutcome.Limited => "limited",
                RateLimitOutcome.QuotaExceeded => "quota_exceeded",
                RateLimitOutcome.ConcurrencyLimited => "concurrency_limited",
                _ => "unavailable",
            }));

    private CounterState Create(CompiledRateLimitPolicy policy, CounterKey id)
    {
        if (id.Store == CounterStoreKind.Local)
        {
            return new LocalCounter(policy);
        }

        Volatile.Write(ref _sharedUsed, 1);
        var keyHash = PartitionKeyOf(id.PolicyId, id.Key);
        return id.Store == CounterStoreKind.Exact ? new ExactCounter(policy, keyHash) : new LeasedCounter(policy, keyHash);
    }

    /// <summary>128 bits of SHA-256 over policy and key, in hex: spreads counters over partitions and never reveals the key.</summary>
    public static string PartitionKeyOf(string policyId, string key)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(policyId + "\n" + key), digest);
        return Convert.ToHexStringLower(digest[..16]);
    }

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Rate-limit policy {PolicyId} asks for {Store} counters but no storage is configured: it counts in this instance's memory")]
    private static partial void LogNoStorage(ILogger logger, string policyId, string store);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "More than {MaxKeys} rate-limit keys tracked: new keys share one counter per policy until idle ones are swept (Portico:RateLimiting:MaxTrackedKeys)")]
    private static partial void LogOverflow(ILogger logger, int maxKeys);

    [LoggerMessage(EventId = 504, Level = LogLevel.Error, Message = "Rate-limit counter of policy {PolicyId} failed unexpectedly; the request was decided by the policy's failure mode")]
    private static partial void LogBug(ILogger logger, string policyId, Exception exception);
}
