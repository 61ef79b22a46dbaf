using System.Text.Json;
using Portico.Analytics;
using Portico.Storage.Tables;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Analytics;

/// <summary>Two gateway instances sharing one analytics table on Azurite: each writes its own rollups, and a query on either merges both.</summary>
public sealed class TableRollupTests
{
    [Fact]
    public async Task Query_TwoInstancesOnAzurite_MergesTheirRollups()
    {
        var admin = AdminTestKit.NewKey();
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName("an");
        await using var a = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(admin, "gw-a", connection, table));
        await using var b = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(admin, "gw-b", connection, table));

        // A: alice 3 × 200, no key 1 × 401, failing route 2 × 503. B: bob 2 × 200, a wrong key 401, the limited route 200 then 429.
        Assert.All(await SendAsync(a, "/orders", 3, Alice.Key), s => Assert.Equal(200, s));
        Assert.Equal([401], await SendAsync(a, "/orders", 1));
        Assert.Equal([503, 503], await SendAsync(a, "/fail", 2));
        Assert.All(await SendAsync(b, "/orders", 2, Bob.Key), s => Assert.Equal(200, s));
        Assert.Equal([401], await SendAsync(b, "/orders", 1, Bob.Key[..^2] + "xx"));
        Assert.Equal([200, 429], await SendAsync(b, "/limited", 2));
        await WaitForRequestsAsync(a, 6);
        await WaitForRequestsAsync(b, 5);
        await FlushAsync(a);
        await FlushAsync(b);

        foreach (var gateway in new[] { a, b })
        {
            var report = await QueryAsync(gateway, admin, "?last=1h&groupBy=consumer");
            Assert.Equal(["gw-a", "gw-b"], report.GetProperty("instances").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal("table", report.GetProperty("storage").GetProperty("mode").GetString());
            Assert.False(report.GetProperty("partial").GetBoolean());
            var totals = report.GetProperty("totals");
            Assert.Equal(11, totals.GetProperty("requests").GetInt64());
            Assert.Equal(6, totals.GetProperty("status").GetProperty("2xx").GetInt64());
            Assert.Equal(3, totals.GetProperty("status").GetProperty("4xx").GetInt64());
            Assert.Equal(2, totals.GetProperty("status").GetProperty("5xx").GetInt64());
            Assert.Equal(1, totals.GetProperty("rateLimited").GetInt64());
            Assert.Equal(1, totals.GetProperty("authFailures").GetProperty("authentication-required").GetInt64());
            Assert.Equal(1, totals.GetProperty("authFailures").GetProperty("invalid-api-key").GetInt64());
            Assert.Equal(Math.Round(2 / 11.0, 4), totals.GetProperty("errorRate").GetDouble());

            var byConsumer = Groups(report);
            Assert.Equal(3, byConsumer["alice"].GetProperty("requests").GetInt64());
            Assert.Equal(2, byConsumer["bob"].GetProperty("requests").GetInt64());
            Assert.Equal(6, byConsumer[""].GetProperty("requests").GetInt64());
            Assert.Equal(3, report.GetProperty("groupCount").GetInt32());
        }

        var byRoute = Groups(await QueryAsync(a, admin, "?last=1h&groupBy=route"));
        Assert.Equal(7, byRoute["orders"].GetProperty("requests").GetInt64());
        Assert.Equal(2, byRoute["fail"].GetProperty("requests").GetInt64());
        Assert.Equal(1, byRoute["fail"].GetProperty("errorRate").GetDouble());
        Assert.Equal(1, byRoute["limited"].GetProperty("rateLimited").GetInt64());

        // Bytes and latency agree with the access log of both instances: the exact per-request figures.
        var entries = AccessLog(a).Concat(AccessLog(b)).ToList();
        var all = await QueryAsync(b, admin, "?last=1h");
        Assert.Equal(entries.Sum(e => Number(e, "BytesOut")), all.GetProperty("totals").GetProperty("bytesOut").GetInt64());
        var durations = entries.Select(DurationMs).ToList();
        var latency = all.GetProperty("totals").GetProperty("latencyMs");
        WithinStatedError(ExactPercentile(durations, 0.50), latency.GetProperty("p50").GetDouble());
        WithinStatedError(ExactPercentile(durations, 0.95), latency.GetProperty("p95").GetDouble());
        WithinStatedError(ExactPercentile(durations, 0.99), latency.GetProperty("p99").GetDouble());

        // New traffic on A is live on A (from its memory) without counting its written minutes twice, and reaches B once written.
        Assert.All(await SendAsync(a, "/orders", 2, Alice.Key), s => Assert.Equal(200, s));
        await WaitForRequestsAsync(a, 8);
        Assert.Equal(13, (await QueryAsync(a, admin, "?last=1h")).GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(11, (await QueryAsync(b, admin, "?last=1h")).GetProperty("totals").GetProperty("requests").GetInt64());
        await FlushAsync(a);
        Assert.Equal(13, (await QueryAsync(b, admin, "?last=1h")).GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(13, (await QueryAsync(a, admin, "?last=1h")).GetProperty("totals").GetProperty("requests").GetInt64());

        // Both instances beat their heartbeat into the same table.
        using var instances = await AdminTestKit.SendAsync(a, "/_portico/admin/instances", admin.Key);
        var ids = (await AdminTestKit.ReadJsonAsync(instances)).GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal(["gw-a", "gw-b"], ids);
    }

    [Fact]
    public async Task WriteAsync_ManyCells_UsesBatchesOfOneHundredAndReadsBackEveryRow()
    {
        var store = new TableAnalyticsStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName("an"));
        var minute = AnalyticsRecorder.MinuteOf(new DateTimeOffset(2026, 12, 5, 8, 30, 0, TimeSpan.Zero));
        var rows = Enumerable.Range(0, 250).Select(i =>
        {
            var counts = new AnalyticsCounts();
            counts.Record(i + 0.5, i, 2 * i, rateLimited: i % 2 == 0, upstreamError: i % 5 == 0, authReason: i % 6, cacheOutcome: i % 7);
            return new AnalyticsRow(default, "gw-1", "route-" + i, "c/#?" + i, 2, counts);
        }).ToList();

        await store.WriteAsync(minute, "gw-1", 0, rows, CancellationToken.None);
        await store.WriteAsync(minute, "gw-1", 0, rows, CancellationToken.None); // a retry replaces, never duplicates
        await store.WriteAsync(minute, "gw-1", 1, rows[..1], CancellationToken.None); // a second part of the same minute adds

        var read = await store.ReadAsync(minute, minute + 1, 10_000, CancellationToken.None);
        Assert.False(read.Truncated);
        Assert.Equal(251, read.Rows.Count);
        Assert.Equal("route-0", Assert.Single(read.Rows, r => r.Part == 1).Route);
        var byRoute = read.Rows.Where(r => r.Part == 0).ToDictionary(r => r.Route);
        for (var i = 0; i < 250; i++)
        {
            var row = byRoute["route-" + i];
            Assert.Equal("c/#?" + i, row.Consumer);
            Assert.Equal(new DateTimeOffset(2026, 12, 5, 8, 30, 0, TimeSpan.Zero), row.Minute);
            Assert.Equal(1, row.Counts.Requests);
            Assert.Equal(2 * i, row.Counts.BytesOut);
            Assert.Equal(i % 2 == 0 ? 1 : 0, row.Counts.RateLimited);
            Assert.Equal(1, row.Counts.AuthFailures[i % 6]);
            Assert.Equal(1, row.Counts.Cache[i % 7]);
            Assert.Equal(1, row.Counts.Latency[LatencyHistogram.IndexOf(i + 0.5)]);
        }

        Assert.True((await store.ReadAsync(minute, minute + 1, 100, CancellationToken.None)).Truncated);
        Assert.Empty((await store.ReadAsync(minute + 1, minute + 60, 10_000, CancellationToken.None)).Rows);
    }

    [Fact]
    public async Task DeleteBeforeAsync_OldMinutes_DeletesOnlyThose()
    {
        var store = new TableAnalyticsStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName("an"));
        var now = new DateTimeOffset(2026, 12, 5, 8, 30, 0, TimeSpan.Zero);
        var minute = AnalyticsRecorder.MinuteOf(now);
        var row = new AnalyticsRow(default, "gw-1", "r", "", 2, new AnalyticsCounts());
        foreach (var m in new[] { minute - 3 * 24 * 60, minute - 120, minute - 1, minute })
        {
            await store.WriteAsync(m, "gw-1", 0, [row, row with { Route = "s" }], CancellationToken.None);
        }

        await store.HeartbeatAsync(new InstanceHeartbeat("old", "h", now.AddDays(-3), now.AddDays(-2), "1"), CancellationToken.None);
        await store.HeartbeatAsync(new InstanceHeartbeat("new", "h", now.AddDays(-3), now, "1"), CancellationToken.None);

        Assert.Equal(5, await store.DeleteBeforeAsync(minute - 60, now.AddDays(-1), CancellationToken.None));

        var left = await store.ReadAsync(minute - 10 * 24 * 60, minute + 1, 10_000, CancellationToken.None);
        Assert.Equal([minute - 1, minute - 1, minute, minute], left.Rows.Select(r => AnalyticsRecorder.MinuteOf(r.Minute)).Order());
        Assert.Equal(["new"], (await store.ListInstancesAsync(now.AddDays(-10), CancellationToken.None)).Select(i => i.Id));
    }
}
