using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Portico.Discovery;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>
/// The shared mode of active health (the Functions app's): one run of the timer probes and writes the health table in
/// Azurite, other instances read it, nobody probes on their own, and a table that cannot be read keeps the last known
/// health (logged and counted) without letting a stale verdict keep a destination out for ever.
/// </summary>
public sealed class SharedHealthTests
{
    private static readonly string Registry = "\"health\": { \"active\": { \"path\": \"/healthz\", \"interval\": \"10s\", \"unhealthyThreshold\": 1 } }, \"loadBalancing\": { \"policy\": \"roundRobin\" }";

    [Fact]
    public async Task RunAsync_OneInstanceProbes_TheOtherReadsTheTableAndAvoidsTheFailingDestination()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName("health");
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        b.HealthStatus = 503;
        var clock = new TestClock();
        await using var prober = await StartAsync([a.Url, b.Url], connection, table, clock);
        await using var reader = await StartAsync([a.Url, b.Url], connection, table, clock);

        var probed = await prober.Services.GetRequiredService<SharedHealthProbe>().RunAsync(CancellationToken.None);

        Assert.Equal(2, probed);
        var rows = (await Azurite.ServiceClientAsync()).GetTableClient(table).Query<TableEntity>().ToDictionary(e => e.GetString("Url"));
        Assert.Equal(("b", TableActiveHealthStore.RowKey(b.Url)), (rows[b.Url].PartitionKey, rows[b.Url].RowKey));
        Assert.Equal(("unhealthy", 503, "status", 1), (rows[b.Url].GetString("Status"), rows[b.Url].GetInt32("LastStatus"), rows[b.Url].GetString("LastOutcome"), rows[b.Url].GetInt32("ConsecutiveFailures")));
        Assert.Equal("healthy", rows[a.Url].GetString("Status"));

        Assert.True(await reader.Services.GetRequiredService<SharedHealthReader>().RefreshAsync(CancellationToken.None));
        Assert.Equal(ActiveHealthStatus.Unhealthy, reader.Services.GetRequiredService<ActiveHealthStates>().Find("b", b.Url)!.Status);
        for (var i = 0; i < 10; i++)
        {
            using var response = await reader.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal((10, 0), (a.Traffic, b.Traffic));
        Assert.Equal((1, 1), (a.Probes, b.Probes)); // the reader never probed, nor did the prober outside its run

        // The next run within the interval probes nothing; once it has elapsed, each destination again, once.
        Assert.Equal(0, await prober.Services.GetRequiredService<SharedHealthProbe>().RunAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, await prober.Services.GetRequiredService<SharedHealthProbe>().RunAsync(CancellationToken.None));
        Assert.Equal((2, 2), (a.Probes, b.Probes));
    }

    [Fact]
    public async Task RefreshAsync_StorageDown_KeepsTheLastKnownHealthThenLetsAStaleVerdictGo()
    {
        var deadStorage = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/devstoreaccount1");
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        var clock = new TestClock();
        await using var gateway = await StartAsync([a.Url, b.Url], deadStorage, "healthdown", clock);
        using var metrics = new MetricRecorder(gateway.Services);
        var reader = gateway.Services.GetRequiredService<SharedHealthReader>();
        // Health an earlier read brought: b unhealthy.
        var state = gateway.Services.GetRequiredService<ActiveHealthStates>().For("b", b.Url);
        state.Restore(new ActiveHealthReport(ActiveHealthStatus.Unhealthy, 0, 1, clock.GetUtcNow(), 503, "status"));

        Assert.False(await reader.RefreshAsync(CancellationToken.None));

        Assert.Equal(ActiveHealthStatus.Unhealthy, state.Status);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 2703);
        Assert.True(metrics.Sum("portico.discovery.health.shared.failures", ("operation", "read")) >= 1); // the background read at start may have failed too
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal((4, 0), (a.Traffic, b.Traffic));

        // Three intervals and a minute without news: the verdict no longer keeps b out.
        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.False(await reader.RefreshAsync(CancellationToken.None));
        Assert.Equal(ActiveHealthStatus.Unknown, state.Status);
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, b.Traffic);
        Assert.Equal(0, b.Probes); // the shared mode never probes outside the timer's run
    }

    private static Task<GatewayHost> StartAsync(string[] urls, string connection, string table, TestClock clock) =>
        GatewayHost.StartWithFileAsync(ClusterGateway.Registry(urls, Registry), new Dictionary<string, string?>
        {
            ["Portico:Storage:ConnectionString"] = connection,
            ["Portico:ActiveHealth:Mode"] = "shared",
            ["Portico:ActiveHealth:TableName"] = table,
        }, clock.AddTo);
}
