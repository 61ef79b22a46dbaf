using Portico.Analytics;

namespace Portico.Tests.Analytics;

/// <summary>
/// The behaviour every analytics store must have, run against each implementation (memory, and Table storage on Azurite)
/// by a subclass that only says how to create a fresh, empty store.
/// </summary>
public abstract class AnalyticsStoreContract
{
    private protected static readonly DateTimeOffset At = new(2026, 12, 5, 14, 30, 0, TimeSpan.Zero);
    private protected static readonly long Minute = AnalyticsRecorder.MinuteOf(At);

    /// <summary>A new, empty store.</summary>
    private protected abstract Task<IAnalyticsStore> CreateStoreAsync();

    [Fact]
    public async Task Read_EmptyStore_GivesNoRowsAndIsNotTruncated()
    {
        var store = await CreateStoreAsync();

        var read = await store.ReadAsync(Minute - 60, Minute + 60, 100, CancellationToken.None);

        Assert.Empty(read.Rows);
        Assert.False(read.Truncated);
        Assert.Empty(await store.ListInstancesAsync(DateTimeOffset.MinValue, CancellationToken.None));
        Assert.Equal(0, await store.DeleteBeforeAsync(Minute, At, CancellationToken.None));
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var rows = new[] { FullRow(Minute, "gw-a", "orders", "alice", 2, part: 1), FullRow(Minute, "gw-a", "", "", 5, part: 1) };

        await store.WriteAsync(Minute, "gw-a", 1, rows, CancellationToken.None);
        var read = await store.ReadAsync(Minute, Minute + 1, 100, CancellationToken.None);

        Assert.False(read.Truncated);
        Assert.Equal(rows.Select(Describe).Order(), read.Rows.Select(Describe).Order());
    }

    [Fact]
    public async Task Read_Range_IncludesFromAndExcludesTo()
    {
        var store = await CreateStoreAsync();
        for (var minute = Minute - 1; minute <= Minute + 2; minute++)
        {
            await store.WriteAsync(minute, "gw-a", 0, [Row(minute, "gw-a", "r" + (minute - Minute))], CancellationToken.None);
        }

        var read = await store.ReadAsync(Minute, Minute + 2, 100, CancellationToken.None);

        Assert.Equal(["r0", "r1"], read.Rows.Select(r => r.Route).Order());
        Assert.All(read.Rows, r => Assert.Equal(Minute + int.Parse(r.Route[1..]), AnalyticsRecorder.MinuteOf(r.Minute)));
    }

    [Fact]
    public async Task Write_SamePartAgain_ReplacesTheEarlierWriteRatherThanCountingTwice()
    {
        var store = await CreateStoreAsync();
        List<AnalyticsRow> rows = [Row(Minute, "gw-a", "orders", requests: 3), Row(Minute, "gw-a", "users", requests: 4)];

        await store.WriteAsync(Minute, "gw-a", 0, rows, CancellationToken.None);
        await store.WriteAsync(Minute, "gw-a", 0, rows, CancellationToken.None); // a retry after a write whose answer was lost

        var read = await store.ReadAsync(Minute, Minute + 1, 100, CancellationToken.None);
        Assert.Equal(2, read.Rows.Count);
        Assert.Equal(7, read.Rows.Sum(r => r.Counts.Requests));
    }

    [Fact]
    public async Task Write_OtherPartOrOtherInstance_KeepsEach()
    {
        var store = await CreateStoreAsync();

        await store.WriteAsync(Minute, "gw-a", 0, [Row(Minute, "gw-a", "orders", requests: 1)], CancellationToken.None);
        await store.WriteAsync(Minute, "gw-a", 1, [Row(Minute, "gw-a", "orders", requests: 2, part: 1)], CancellationToken.None);
        await store.WriteAsync(Minute, "gw-b", 0, [Row(Minute, "gw-b", "orders", requests: 4)], CancellationToken.None);

        var read = await store.ReadAsync(Minute, Minute + 1, 100, CancellationToken.None);
        Assert.Equal(["gw-a/0/1", "gw-a/1/2", "gw-b/0/4"], read.Rows.Select(r => $"{r.Instance}/{r.Part}/{r.Counts.Requests}").Order());
    }

    [Theory]
    [InlineData(3, 3, 4, 4, true)] // more rows than the bound: the bound, and truncated
    [InlineData(4, 0, 4, 4, false)] // exactly the bound: every row, not truncated
    public async Task Read_AgainstTheRowBound_GivesAtMostTheBoundAndSaysWhetherMoreWereLeft(int rowsOfA, int rowsOfB, int bound, int expected, bool truncated)
    {
        var store = await CreateStoreAsync();
        foreach (var (instance, count) in new[] { ("gw-a", rowsOfA), ("gw-b", rowsOfB) }.Where(p => p.Item2 > 0))
        {
            await store.WriteAsync(Minute, instance, 0, [.. Enumerable.Range(0, count).Select(i => Row(Minute, instance, "r" + i))], CancellationToken.None);
        }

        var read = await store.ReadAsync(Minute, Minute + 1, bound, CancellationToken.None);

        Assert.Equal(truncated, read.Truncated);
        Assert.Equal(expected, read.Rows.Count);
    }

    [Fact]
    public async Task Heartbeat_ThenList_RoundTripsAndKeepsOnlyThoseSeenSince()
    {
        var store = await CreateStoreAsync();
        var started = At.AddHours(-2);
        var fresh = new InstanceHeartbeat("gw-a", "host-a", started, At, "1.2.3.0");
        var edge = new InstanceHeartbeat("gw-b", "host-b", started, At.AddMinutes(-5), "1.2.3.0");
        var stale = new InstanceHeartbeat("gw-c", "host-c", started, At.AddMinutes(-6), "1.2.2.0");

        foreach (var heartbeat in new[] { fresh, edge, stale })
        {
            await store.HeartbeatAsync(heartbeat, CancellationToken.None);
        }

        var listed = await store.ListInstancesAsync(At.AddMinutes(-5), CancellationToken.None);
        Assert.Equal([fresh, edge], listed.OrderBy(i => i.Id, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Heartbeat_Again_ReplacesTheEarlierOne()
    {
        var store = await CreateStoreAsync();
        await store.HeartbeatAsync(new InstanceHeartbeat("gw-a", "host-a", At.AddHours(-1), At.AddMinutes(-1), "1.0.0.0"), CancellationToken.None);
        var later = new InstanceHeartbeat("gw-a", "host-a", At.AddHours(-1), At, "1.0.0.0");

        await store.HeartbeatAsync(later, CancellationToken.None);

        Assert.Equal([later], await store.ListInstancesAsync(DateTimeOffset.MinValue, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteBefore_OlderRollupsAndStaleHeartbeats_GoAndAreCounted()
    {
        var store = await CreateStoreAsync();
        await store.WriteAsync(Minute - 2, "gw-a", 0, [Row(Minute - 2, "gw-a", "x"), Row(Minute - 2, "gw-a", "y")], CancellationToken.None);
        await store.WriteAsync(Minute - 1, "gw-b", 0, [Row(Minute - 1, "gw-b", "x")], CancellationToken.None);
        await store.WriteAsync(Minute, "gw-a", 0, [Row(Minute, "gw-a", "kept")], CancellationToken.None);
        var alive = new InstanceHeartbeat("gw-a", "host-a", At.AddDays(-3), At, "1.0.0.0");
        await store.HeartbeatAsync(alive, CancellationToken.None);
        await store.HeartbeatAsync(new InstanceHeartbeat("gw-old", "host-old", At.AddDays(-3), At.AddDays(-2), "1.0.0.0"), CancellationToken.None);

        var deleted = await store.DeleteBeforeAsync(Minute, At.AddDays(-1), CancellationToken.None);

        Assert.Equal(4, deleted);
        var read = await store.ReadAsync(Minute - 10, Minute + 10, 100, CancellationToken.None);
        Assert.Equal(["kept"], read.Rows.Select(r => r.Route));
        Assert.Equal([alive], await store.ListInstancesAsync(DateTimeOffset.MinValue, CancellationToken.None));
        Assert.Equal(0, await store.DeleteBeforeAsync(Minute, At.AddDays(-1), CancellationToken.None));
    }

    private protected static AnalyticsRow Row(long minute, string instance, string route, long requests = 1, int part = 0)
    {
        var counts = new AnalyticsCounts();
        counts.Set(requests, 0, 0, 0, 0);
        return new AnalyticsRow(new DateTimeOffset(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero), instance, route, "", 2, counts) { Part = part };
    }

    /// <summary>A row with every counter set to a distinct value, so a field lost or swapped on the way shows.</summary>
    private static AnalyticsRow FullRow(long minute, string instance, string route, string consumer, int statusClass, int part)
    {
        var counts = new AnalyticsCounts();
        counts.Set(requests: 17, bytesIn: 1_234_567_890_123, bytesOut: 98_765, rateLimited: 3, upstreamErrors: 2);
        for (var i = 0; i < counts.AuthFailures.Length; i++)
        {
            counts.AuthFailures[i] = i + 1;
        }

        for (var i = 0; i < counts.Cache.Length; i++)
        {
            counts.Cache[i] = 10 * (i + 1);
        }

        counts.Latency[0] = 5;
        counts.Latency[7] = 11;
        counts.Latency[^1] = 1;
        return new AnalyticsRow(new DateTimeOffset(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero), instance, route, consumer, statusClass, counts) { Part = part };
    }

    private static string Describe(AnalyticsRow row)
    {
        var c = row.Counts;
        return $"{row.Minute:O} {row.Instance} {row.Part} '{row.Route}' '{row.Consumer}' {row.StatusClass} "
            + $"{c.Requests} {c.BytesIn} {c.BytesOut} {c.RateLimited} {c.UpstreamErrors} "
            + $"auth[{string.Join(',', c.AuthFailures)}] cache[{string.Join(',', c.Cache)}] latency[{string.Join(',', c.Latency)}]";
    }
}
