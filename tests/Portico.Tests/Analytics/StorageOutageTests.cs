using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portico.Analytics;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Analytics;

/// <summary>
/// Analytics storage that cannot be reached (nothing listens on its port): requests keep flowing, the API answers from this
/// instance's memory and says storage is down, and minutes are retried for the retry window, then dropped with a counted,
/// logged loss.
/// </summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task Flush_StorageDown_RetriesThenDropsWithCountedLoggedLoss()
    {
        var admin = AdminTestKit.NewKey();
        var clock = new TestClock();
        var deadStorage = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/devstoreaccount1");
        var settings = Settings(admin, "gw-down", deadStorage, "analyticsdown");
        settings["Portico:Analytics:RetryWindow"] = "00:05:00";
        await using var gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, settings, s => s.AddSingleton<TimeProvider>(clock));
        var flusher = gateway.Services.GetRequiredService<AnalyticsFlusher>();

        Assert.Equal([503, 503, 503], await SendAsync(gateway, "/fail", 3)); // the route's own answer: the gateway keeps serving
        await WaitForRequestsAsync(gateway, 3);
        clock.Advance(TimeSpan.FromMinutes(1));
        await flusher.FlushAsync(closeCurrent: false, CancellationToken.None); // closes the minute; it is written after its grace
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.EventId.Id == 1601);
        clock.Advance(AnalyticsFlusher.Grace);
        await flusher.FlushAsync(closeCurrent: false, CancellationToken.None);

        // Nothing was written, the minute waits in memory, and the API says so while still answering from it.
        Assert.False(flusher.State.IsHealthy);
        var report = await QueryAsync(gateway, admin, "?last=15m");
        Assert.True(report.GetProperty("partial").GetBoolean());
        var storage = report.GetProperty("storage");
        Assert.False(storage.GetProperty("healthy").GetBoolean());
        Assert.StartsWith("storage", storage.GetProperty("lastError").GetString());
        Assert.DoesNotContain("AccountKey", storage.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, report.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(0, storage.GetProperty("droppedRequests").GetInt64());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 1601);

        // Requests still flow during the outage, and are counted.
        Assert.Equal([200, 429], await SendAsync(gateway, "/limited", 2));
        await WaitForRequestsAsync(gateway, 5);

        // Past the retry window the first minute is dropped: counted and logged. The newer one still waits.
        clock.Advance(TimeSpan.FromMinutes(5));
        await flusher.FlushAsync(closeCurrent: false, CancellationToken.None);
        var dropped = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 1602);
        Assert.Equal(3L, dropped.State.Single(s => s.Key == "Requests").Value);
        var after = await QueryAsync(gateway, admin, "?last=15m");
        Assert.Equal(3, after.GetProperty("storage").GetProperty("droppedRequests").GetInt64());
        Assert.Equal(2, after.GetProperty("totals").GetProperty("requests").GetInt64());

        clock.Advance(TimeSpan.FromMinutes(5));
        await flusher.FlushAsync(closeCurrent: false, CancellationToken.None);
        clock.Advance(AnalyticsFlusher.Grace);
        await flusher.FlushAsync(closeCurrent: false, CancellationToken.None);
        Assert.Equal(2, gateway.Logs.Entries.Count(e => e.EventId.Id == 1602));
        var empty = await QueryAsync(gateway, admin, "?last=30m");
        Assert.Equal(5, empty.GetProperty("storage").GetProperty("droppedRequests").GetInt64());
        Assert.Equal(0, empty.GetProperty("totals").GetProperty("requests").GetInt64());

        using var instances = await AdminTestKit.SendAsync(gateway, "/_portico/admin/instances", admin.Key);
        Assert.Equal(HttpStatusCode.OK, instances.StatusCode);
        var list = await AdminTestKit.ReadJsonAsync(instances);
        Assert.True(list.GetProperty("partial").GetBoolean());
        Assert.Equal("gw-down", Assert.Single(list.GetProperty("instances").EnumerateArray()).GetProperty("id").GetString());
    }
}
