using Azure.Data.Tables;
using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// The conditional write both shared stores use, on a real Azurite: read when unknown, write with the version held,
/// and on a conflict read again and retry, at most six attempts; storage failures trip the shared breaker.
/// </summary>
public sealed class StoredCounterTests
{
    private static readonly CompiledRateLimitPolicy Hourly = Policy(
        """{ "id": "p", "rate": { "requests": 10, "per": "1s", "burst": 10 }, "quotas": [ { "limit": 100, "period": "hour" } ], "store": "exact" }""", storageConfigured: true);

    private static StoredCounter Counter(string key = "k") => new(new Lock(), RateLimiter.PartitionKeyOf(Hourly.Id, key), Hourly.Id);

    [Fact]
    public async Task UpdateAsync_NewCounter_ReadsInsertsAndRemembersWhatItWrote()
    {
        using var rig = await CounterRig.StartAsync();
        var counter = Counter();
        var take = new TakeTokens(3);

        await counter.UpdateAsync(rig.Limiter, take, rig.Limiter.Now);

        Assert.Equal(CounterUpdateOutcome.Written, take.Outcome);
        Assert.Equal(1, take.Prepared);
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "read"), ("outcome", "not_found")));
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "insert"), ("outcome", "ok")));
        Assert.True(counter.IsKnown);
        Assert.Equal(take.WrittenValues.Tat, counter.Values.Tat);
        var entity = await rig.EntityAsync(Hourly.Id, "k");
        Assert.Equal(3, entity!.GetInt64("HourCount"));
        Assert.Equal(counter.Values.Tat, entity.GetInt64("Tat"));
    }

    [Fact]
    public async Task UpdateAsync_CounterKnown_WritesWithTheVersionHeldWithoutReading()
    {
        using var rig = await CounterRig.StartAsync();
        var counter = Counter();
        await counter.UpdateAsync(rig.Limiter, new TakeTokens(1), rig.Limiter.Now);
        var reads = rig.StorageOperations("read");

        var second = new TakeTokens(2);
        await counter.UpdateAsync(rig.Limiter, second, rig.Limiter.Now);

        Assert.Equal(CounterUpdateOutcome.Written, second.Outcome);
        Assert.Equal(reads, rig.StorageOperations("read"));
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "update"), ("outcome", "ok")));
        Assert.Equal(3, (await rig.EntityAsync(Hourly.Id, "k"))!.GetInt64("HourCount"));
    }

    [Fact]
    public async Task UpdateAsync_AnotherInstanceWroteSince_ReadsAgainRetriesAndBothCount()
    {
        using var first = await CounterRig.StartAsync();
        using var second = await CounterRig.BesideAsync(first);
        var mine = Counter();
        var theirs = Counter();
        await mine.UpdateAsync(first.Limiter, new TakeTokens(1), first.Limiter.Now);
        await theirs.UpdateAsync(second.Limiter, new TakeTokens(1), second.Limiter.Now);

        var take = new TakeTokens(1);
        await first.AdvancingAsync(Run(mine.UpdateAsync(first.Limiter, take, first.Limiter.Now)));

        Assert.Equal(CounterUpdateOutcome.Written, take.Outcome);
        Assert.Equal(2, take.Prepared); // once on the stale version, once on what the read found
        Assert.Equal(1, first.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "update"), ("outcome", "conflict")));
        Assert.Equal(1, first.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "read"), ("outcome", "ok")));
        Assert.Equal(3, (await first.EntityAsync(Hourly.Id, "k"))!.GetInt64("HourCount"));
        Assert.Equal(3, mine.Values.Quotas[(int)QuotaPeriod.Hour].Count);
    }

    [Fact]
    public async Task UpdateAsync_OthersAlwaysWriteFirst_ContendedAfterSixAttempts()
    {
        using var rig = await CounterRig.StartAsync();
        var counter = Counter();
        await counter.UpdateAsync(rig.Limiter, new TakeTokens(1), rig.Limiter.Now);
        var keyHash = RateLimiter.PartitionKeyOf(Hourly.Id, "k");
        var others = 0;

        // Between every read and write, another instance changes the entity: every write finds a newer version.
        var take = new TakeTokens(1, onPrepare: () => rig.Table.UpsertEntity(new TableEntity(keyHash, Hourly.Id) { ["Other"] = ++others }, TableUpdateMode.Merge));
        await rig.AdvancingAsync(Run(counter.UpdateAsync(rig.Limiter, take, rig.Limiter.Now)));

        Assert.Equal(CounterUpdateOutcome.Contended, take.Outcome);
        Assert.Equal(6, take.Prepared); // docs/rate-limiting.md: up to six attempts
        Assert.Equal(6, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "update"), ("outcome", "conflict")));
        Assert.Equal(0, take.Writes);
        Assert.Equal(1, (await rig.EntityAsync(Hourly.Id, "k"))!.GetInt64("HourCount")); // nothing taken
    }

    [Fact]
    public async Task UpdateAsync_NothingToWrite_ReadsButDoesNotWrite()
    {
        using var rig = await CounterRig.StartAsync();
        var counter = Counter();
        var nothing = new TakeTokens(0);

        await counter.UpdateAsync(rig.Limiter, nothing, rig.Limiter.Now);

        Assert.Equal(CounterUpdateOutcome.NothingToWrite, nothing.Outcome);
        Assert.Equal(1, rig.StorageOperations());
        Assert.True(counter.IsKnown);
        Assert.Null(await rig.EntityAsync(Hourly.Id, "k"));
    }

    [Fact]
    public async Task UpdateAsync_StorageRefusesConnections_UnavailableAndTheBreakerTrips()
    {
        using var rig = CounterRig.Unreachable();
        var counter = Counter();
        var take = new TakeTokens(1);

        await counter.UpdateAsync(rig.Limiter, take, rig.Limiter.Now);

        Assert.Equal(CounterUpdateOutcome.Unavailable, take.Outcome);
        Assert.Equal(0, take.Prepared);
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "read"), ("outcome", "failed")));
        Assert.True(rig.Limiter.Health.IsOpen(rig.Limiter.Now));
        Assert.False(counter.IsKnown);
    }

    [Fact]
    public async Task UpdateAsync_BreakerOpen_UnavailableWithoutAStorageCall()
    {
        using var rig = await CounterRig.StartAsync();
        rig.Limiter.Health.ReportFailure("an earlier failure");
        var take = new TakeTokens(1);

        await Counter().UpdateAsync(rig.Limiter, take, rig.Limiter.Now);

        Assert.Equal(CounterUpdateOutcome.Unavailable, take.Outcome);
        Assert.Equal(0, rig.StorageOperations());
    }

    private static async Task<bool> Run(Task task)
    {
        await task;
        return true;
    }

    /// <summary>An update that takes a number of tokens (none: nothing to write) and records how it was driven.</summary>
    private sealed class TakeTokens(long tokens, Action? onPrepare = null) : ICounterUpdate
    {
        public int Prepared { get; private set; }

        public int Writes { get; private set; }

        public CounterValues WrittenValues { get; private set; }

        public CounterUpdateOutcome? Outcome { get; private set; }

        public bool TryPrepare(ref CounterValues values, long now)
        {
            Prepared++;
            onPrepare?.Invoke();
            var decision = default(RateLimitDecision);
            return tokens > 0 && CounterMath.TryTake(ref values, Hourly.Limits, now, tokens, ref decision);
        }

        void ICounterUpdate.Written(in CounterValues values, long now)
        {
            Writes++;
            WrittenValues = values;
        }

        public void Finish(RateLimiter owner, CounterUpdateOutcome outcome)
        {
            Assert.Null(Outcome); // once
            Outcome = outcome;
        }
    }
}
