using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Portico.RateLimiting;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;
using Portico.Tests.RateLimiting;
using Portico.Tests.RateLimiting.SharedCounters;

namespace Portico.Tests.Storage;

/// <summary>
/// Rate-limit counters in Table storage (Azurite): values round-trip through <see cref="CounterEntity"/>, a write names
/// the version it read (the ETag) and anything newer is a conflict, failures are values, and the heartbeats and the
/// cleanup keep their partitions.
/// </summary>
public sealed class TableRateCounterStoreTests
{
    private static readonly long Now = RateLimitTestKit.Noon.UtcTicks;

    private static CounterValues Values(long tat, long hourCount)
    {
        var values = new CounterValues { Tat = tat };
        values.Quotas[(int)QuotaPeriod.Hour] = new QuotaCount(QuotaWindow.Start(QuotaPeriod.Hour, Now), hourCount);
        return values;
    }

    [Fact]
    public async Task WriteAsync_NewCounterThenRead_RoundTripsValuesAndVersion()
    {
        using var rig = await CounterRig.StartAsync();
        var store = rig.Limiter.Store;

        var inserted = await store.WriteAsync("a1", "p", Values(Now + 5, 7), version: null);
        var read = await store.ReadAsync("a1", "p");

        Assert.Equal(StoreStatus.Ok, inserted.Status);
        Assert.NotNull(inserted.Version);
        Assert.Equal(StoreStatus.Ok, read.Status);
        Assert.Equal(inserted.Version, read.Version);
        Assert.Equal(Now + 5, read.Values.Tat);
        Assert.Equal(7, read.Values.Quotas[(int)QuotaPeriod.Hour].Count);
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "insert"), ("outcome", "ok")));
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "create"), ("outcome", "ok"))); // the table, on first use
    }

    [Fact]
    public async Task ReadAsync_NoSuchCounter_NotFound()
    {
        using var rig = await CounterRig.StartAsync();
        await rig.Limiter.Store.WriteAsync("other", "p", Values(Now, 1), version: null);

        var read = await rig.Limiter.Store.ReadAsync("a1", "p");

        Assert.Equal(StoreStatus.NotFound, read.Status);
        Assert.Null(read.Version);
    }

    [Fact]
    public async Task WriteAsync_VersionNoLongerCurrent_Conflict()
    {
        using var rig = await CounterRig.StartAsync();
        var store = rig.Limiter.Store;
        var first = await store.WriteAsync("a1", "p", Values(Now, 1), version: null);
        var second = await store.WriteAsync("a1", "p", Values(Now, 2), first.Version);

        var stale = await store.WriteAsync("a1", "p", Values(Now, 3), first.Version);
        var insertAgain = await store.WriteAsync("a1", "p", Values(Now, 3), version: null);

        Assert.Equal(StoreStatus.Ok, second.Status);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal(StoreStatus.Conflict, stale.Status);
        Assert.Equal(StoreStatus.Conflict, insertAgain.Status);
        Assert.Equal(2, (await store.ReadAsync("a1", "p")).Values.Quotas[(int)QuotaPeriod.Hour].Count);
    }

    [Fact]
    public async Task WriteAsync_CounterDeletedByTheCleanup_ConflictSoTheCallerReadsAgain()
    {
        using var rig = await CounterRig.StartAsync();
        var store = rig.Limiter.Store;
        var written = await store.WriteAsync("a1", "p", Values(Now, 1), version: null);
        await rig.Table.DeleteEntityAsync("a1", "p");

        var update = await store.WriteAsync("a1", "p", Values(Now, 2), written.Version);

        Assert.Equal(StoreStatus.Conflict, update.Status);
    }

    [Fact]
    public async Task ReadAndWrite_StorageRefusesConnections_FailedWithTheReasonAndCounted()
    {
        using var rig = CounterRig.Unreachable();

        var read = await rig.Limiter.Store.ReadAsync("a1", "p");
        var write = await rig.Limiter.Store.WriteAsync("a1", "p", Values(Now, 1), version: "W/\"x\"");

        Assert.Equal(StoreStatus.Failed, read.Status);
        Assert.StartsWith("unreachable: ", read.Error);
        Assert.Equal(StoreStatus.Failed, write.Status);
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "read"), ("outcome", "failed")));
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("operation", "update"), ("outcome", "failed")));
    }

    [Fact]
    public async Task HeartbeatAsync_TwoInstances_EachCountsBothAndLeaveRemovesOne()
    {
        using var first = await CounterRig.StartAsync(new FakeTimeProvider(TimeProvider.System.GetUtcNow())); // Timestamps are the server's clock
        using var second = await CounterRig.BesideAsync(first);
        var window = TimeSpan.FromMinutes(1);

        Assert.Equal(1, await first.Limiter.Store.HeartbeatAsync("one", window));
        Assert.Equal(2, await second.Limiter.Store.HeartbeatAsync("two", window));
        await second.Limiter.Store.LeaveAsync("two");

        Assert.Equal(1, await first.Limiter.Store.HeartbeatAsync("one", window));
        var heartbeats = first.Table.Query<TableEntity>(e => e.PartitionKey == TableRateCounterStore.InstancesPartition).ToList();
        Assert.Equal("one", Assert.Single(heartbeats).RowKey);
    }

    [Fact]
    public async Task CleanUpAsync_ExpiredAndCurrentCounters_DeletesOnlyTheExpiredOnceAnHour()
    {
        using var rig = await CounterRig.StartAsync();
        var store = rig.Limiter.Store;
        await store.WriteAsync("old", "p", Values(Now - TimeSpan.TicksPerDay, 0) with { Quotas = default }, version: null);
        await store.WriteAsync("new", "p", Values(Now + TimeSpan.TicksPerMinute, 0) with { Quotas = default }, version: null);
        await store.HeartbeatAsync("one", TimeSpan.FromMinutes(1));

        var deleted = await store.CleanUpAsync(new DateTimeOffset(Now, TimeSpan.Zero), TimeSpan.FromHours(1), CancellationToken.None);
        var again = await store.CleanUpAsync(new DateTimeOffset(Now, TimeSpan.Zero), TimeSpan.FromHours(1), CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Null(again); // elected once an hour
        Assert.Equal(StoreStatus.NotFound, (await store.ReadAsync("old", "p")).Status);
        Assert.Equal(StoreStatus.Ok, (await store.ReadAsync("new", "p")).Status);
        Assert.Single(rig.Table.Query<TableEntity>(e => e.PartitionKey == TableRateCounterStore.InstancesPartition));
    }
}
