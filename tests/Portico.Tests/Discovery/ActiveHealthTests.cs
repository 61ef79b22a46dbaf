using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Discovery;
using Portico.Registry;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>
/// Active health checks in <c>portico serve</c> over real loopback destinations: probes take a failing destination out
/// of rotation and bring it back, on a fake clock that the test moves one probe round at a time.
/// </summary>
public sealed class ActiveHealthTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Probe_DestinationFailsThenPasses_TakenOutAfterTheUnhealthyThresholdAndBackAfterTheHealthyThreshold()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url, b.Url], """ "unhealthyThreshold": 2, "healthyThreshold": 2 """);
        using var metrics = new MetricRecorder(probing.Gateway.Services);

        await probing.RoundAsync();
        Assert.Equal((1, 1), (a.Probes, b.Probes));

        b.HealthStatus = 503;
        await probing.RoundAsync();
        Assert.Equal(ActiveHealthStatus.Healthy, probing.State(b.Url).Status); // one failure: below the threshold
        await probing.SendAsync(10);
        Assert.Equal(5, b.Traffic);

        await probing.RoundAsync();
        Assert.Equal(ActiveHealthStatus.Unhealthy, probing.State(b.Url).Status);
        await probing.SendAsync(20);
        Assert.Equal(5, b.Traffic); // none of the 20
        Assert.Equal(25, a.Traffic);

        b.HealthStatus = 200;
        await probing.RoundAsync();
        await probing.SendAsync(10);
        Assert.Equal(5, b.Traffic); // one pass: below the healthy threshold

        await probing.RoundAsync();
        await probing.SendAsync(20);
        Assert.Equal(15, b.Traffic); // back: half of round robin's 20
        Assert.Equal(2, probing.Gateway.Logs.Entries.Count(e => e.EventId.Id is 2700 or 2701));
        Assert.Equal(1, metrics.Sum("portico.discovery.health.transitions", ("portico.destination", b.Url), ("state", "unhealthy")));
        Assert.Equal(1, metrics.Sum("portico.discovery.health.transitions", ("portico.destination", b.Url), ("state", "healthy")));
        Assert.Equal(2, metrics.Sum("portico.discovery.health.probes", ("portico.backend", "b"), ("outcome", "status"))); // b's two failed probes
        Assert.Contains(probing.Gateway.Logs.Entries, e => e.EventId.Id == 2700 && e.Level == LogLevel.Warning && e.Message.Contains(b.Url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_DestinationStopped_ConnectionFailureMarksItUnhealthyAndNoRequestFails()
    {
        await using var a = await ProbedBackend.StartAsync();
        var b = await ProbedBackend.StartAsync();
        var bUrl = b.Url;
        await using var probing = await Probing.StartAsync([a.Url, bUrl], """ "unhealthyThreshold": 1 """, passive: """ "enabled": false """);
        await probing.RoundAsync();
        await b.DisposeAsync();

        await probing.RoundAsync();

        var state = probing.State(bUrl).Report();
        Assert.Equal((ActiveHealthStatus.Unhealthy, "connection-failed", 0), (state.Status, state.LastOutcome, state.LastStatus));
        await probing.SendAsync(20); // passive health is off: only the probe keeps requests from the stopped destination
        Assert.Equal(20, a.Traffic);
    }

    [Fact]
    public async Task Probe_DestinationDrainsUnderLoad_StoppedOnceProbesTookItOut_NoRequestFails()
    {
        await using var a = await ProbedBackend.StartAsync();
        var b = await ProbedBackend.StartAsync();
        await using var c = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url, b.Url, c.Url], """ "unhealthyThreshold": 1 """, passive: """ "enabled": false """);
        await probing.RoundAsync();
        await using var load = new LoadLoop(probing.Gateway.Client, "/r/x", concurrency: 8);
        Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures));
        Assert.True(b.Traffic > 0);

        // A graceful stop: the instance fails its health check first, and stops once no request is on its way to it.
        b.HealthStatus = 503;
        await probing.RoundAsync();
        var destination = probing.Gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"].Cluster!.Destinations[1];
        Assert.True(await Eventually.TrueAsync(() => destination.InFlight == 0, TimeSpan.FromSeconds(30)));
        var served = b.Traffic;
        await b.DisposeAsync();
        Assert.True(await load.WaitForMoreAsync(300), string.Join("; ", load.Failures));
        await load.DisposeAsync();

        Assert.Empty(load.Failures);
        Assert.Equal(served, b.Traffic);
        Assert.True(a.Traffic > 100 && c.Traffic > 100, $"{a.Traffic} and {c.Traffic}");
    }

    [Fact]
    public async Task Send_EveryDestinationUnhealthy_Answers503WithRetryAfterUntilTheNextProbes()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url], """ "unhealthyThreshold": 1, "healthyThreshold": 2 """);
        await probing.RoundAsync();
        a.HealthStatus = 500;
        await probing.RoundAsync();

        using var response = await probing.Gateway.Client.GetAsync("/r/x");

        await ProblemAssert.ReadAsync(response, "no-healthy-destination");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // The next probe is due within 5.5 s (interval plus up to a tenth), and a second pass one interval later.
        var retryAfter = response.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        Assert.Equal(0, a.Traffic);
    }

    [Fact]
    public async Task Send_EveryDestinationUnhealthyAndFailOpen_SendsToThemAnyway()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url], """ "unhealthyThreshold": 1 """, failOpen: true);
        await probing.RoundAsync();
        a.HealthStatus = 503;
        await probing.RoundAsync();
        Assert.Equal(ActiveHealthStatus.Unhealthy, probing.State(a.Url).Status);

        await probing.SendAsync(3);

        Assert.Equal(3, a.Traffic);
    }

    [Fact]
    public async Task Probe_SlowHealthEndpoint_TimesOutOnTheClockAndCountsAsAFailure()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url], """ "timeout": "1s" """);
        a.Hold();

        var round = probing.BeginRoundAsync();
        Assert.True(await Eventually.TrueAsync(() => a.Probes == 1, TimeSpan.FromSeconds(30)));
        probing.Clock.Advance(TimeSpan.FromSeconds(1));
        await round;
        Assert.True(await Eventually.TrueAsync(() => probing.Prober.InFlight == 0, TimeSpan.FromSeconds(30)));

        var state = probing.State(a.Url).Report();
        Assert.Equal(("timeout", 1, 0), (state.LastOutcome, state.ConsecutiveFailures, state.ConsecutivePasses));
    }

    [Fact]
    public async Task ProbeElapsed_ProbeStillInFlight_NeverSendsASecond()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url], "");
        a.Hold();

        var first = probing.Prober.ProbeElapsedAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.True(await Eventually.TrueAsync(() => a.Probes == 1, TimeSpan.FromSeconds(30)));
        var second = await probing.Prober.ProbeElapsedAsync(TimeSpan.Zero, CancellationToken.None);
        a.Release();
        var probed = await first;

        Assert.Empty(second);
        Assert.Single(probed);
        Assert.Equal(1, a.Probes);
    }

    [Fact]
    public async Task Probe_DestinationWithAPath_GetsThePathAfterItsOwnWithTheProbeUserAgent()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url + "/base"], """ "path": "/healthz/deep?verbose=1" """);

        await probing.RoundAsync();

        var probe = Assert.Single(a.Backend.Requests);
        Assert.Equal(("GET", "/base/healthz/deep", "?verbose=1"), (probe.Method, probe.Path, probe.Query));
        Assert.Equal("Portico-HealthCheck/1", probe.Headers["User-Agent"]);
    }

    [Fact]
    public async Task Reload_DestinationReweighted_KeepsItsActiveHealthByUrl()
    {
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url, b.Url], """ "unhealthyThreshold": 1 """);
        await probing.RoundAsync();
        b.HealthStatus = 503;
        await probing.RoundAsync();

        // A new weight makes a new destination object: its health must follow its URL, not the object.
        await probing.ReloadAsync(Probing.Registry([a.Url, b.Url], """ "unhealthyThreshold": 1 """).Replace("\"url\": \"" + b.Url + "\"", "\"url\": \"" + b.Url + "\", \"weight\": 2", StringComparison.Ordinal));
        await probing.SendAsync(10);
        Assert.Equal(0, b.Traffic);

        // Without active checks, nothing keeps it out.
        await probing.ReloadAsync(ClusterGateway.Registry([a.Url, b.Url], """ "loadBalancing": { "policy": "roundRobin" } """));
        await probing.SendAsync(10);
        Assert.Equal(5, b.Traffic);
    }

    [Fact]
    public async Task Get_AdminBackends_ShowsEachDestinationsActiveHealth()
    {
        var key = AdminTestKit.NewKey();
        await using var a = await ProbedBackend.StartAsync();
        await using var b = await ProbedBackend.StartAsync();
        await using var probing = await Probing.StartAsync([a.Url, b.Url], """ "unhealthyThreshold": 2 """, settings: AdminTestKit.KeySettings(key));
        await probing.RoundAsync();
        b.HealthStatus = 418;
        await probing.RoundAsync();
        await probing.RoundAsync();

        using var response = await AdminTestKit.SendAsync(probing.Gateway, "/_portico/admin/backends/b", key.Key);

        var destinations = (await AdminTestKit.ReadJsonAsync(response)).GetProperty("destinations").EnumerateArray().ToArray();
        var healthy = destinations[0].GetProperty("active");
        Assert.Equal(("healthy", 3, 0, "passed", 200), (healthy.GetProperty("status").GetString(), healthy.GetProperty("consecutivePasses").GetInt32(),
            healthy.GetProperty("consecutiveFailures").GetInt32(), healthy.GetProperty("lastOutcome").GetString(), healthy.GetProperty("lastStatus").GetInt32()));
        var unhealthy = destinations[1].GetProperty("active");
        Assert.Equal(("unhealthy", 0, 2, "status", 418), (unhealthy.GetProperty("status").GetString(), unhealthy.GetProperty("consecutivePasses").GetInt32(),
            unhealthy.GetProperty("consecutiveFailures").GetInt32(), unhealthy.GetProperty("lastOutcome").GetString(), unhealthy.GetProperty("lastStatus").GetInt32()));
        Assert.Equal(probing.Clock.GetUtcNow(), unhealthy.GetProperty("lastProbe").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("healthy", destinations[1].GetProperty("health").GetString()); // passive health saw no failure
    }

    /// <summary>A gateway on a fake clock with one backend <c>b</c> (round robin, active checks on <c>/healthz</c> every 5 s) and its prober.</summary>
    private sealed class Probing : IAsyncDisposable
    {
        private Probing(GatewayHost gateway, TestClock clock)
        {
            Gateway = gateway;
            Clock = clock;
        }

        public GatewayHost Gateway { get; }

        public TestClock Clock { get; }

        public ActiveHealthProber Prober => Gateway.Services.GetRequiredService<ActiveHealthProber>();

        public static string Registry(IEnumerable<string> urls, string active, string? passive = null, bool failOpen = false)
        {
            var fields = active.Contains("\"path\"", StringComparison.Ordinal) ? active.Trim() : "\"path\": \"/healthz\"" + (active.Length == 0 ? "" : ", " + active.Trim());
            var passiveField = passive is null ? "" : $", \"passive\": {{ {passive} }}";
            return ClusterGateway.Registry(urls, $$"""
                "loadBalancing": { "policy": "roundRobin" },
                "health": { "active": { "interval": "5s", {{fields}} }{{passiveField}}, "failOpen": {{(failOpen ? "true" : "false")}} }
                """);
        }

        public static async Task<Probing> StartAsync(string[] urls, string active, string? passive = null, bool failOpen = false, Dictionary<string, string?>? settings = null)
        {
            var clock = new TestClock();
            var gateway = await GatewayHost.StartWithFileAsync(Registry(urls, active, passive, failOpen), settings, clock.AddTo);
            var probing = new Probing(gateway, clock);
            await probing.Prober.ProbeDueAsync(CancellationToken.None); // schedules each destination's first probe
            return probing;
        }

        public ActiveHealthState State(string url) => Gateway.Services.GetRequiredService<ActiveHealthStates>().Find("b", url)!;

        /// <summary>
        /// Moves the clock past every destination's next probe and waits until the probes are done. The prober's own
        /// loop may start them first (its wait ends on the same clock); one probe per destination either way.
        /// </summary>
        public async Task RoundAsync()
        {
            await BeginRoundAsync();
            Assert.True(await Eventually.TrueAsync(() => Prober.InFlight == 0, TimeSpan.FromSeconds(30)), "probes still in flight");
        }

        public Task BeginRoundAsync()
        {
            Clock.Advance(Interval + (Interval / 10) + TimeSpan.FromSeconds(1));
            return Prober.ProbeDueAsync(CancellationToken.None);
        }

        public async Task SendAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var response = await Gateway.Client.GetAsync("/r/x");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        public async Task ReloadAsync(string registry)
        {
            await Gateway.WriteConfigAsync(registry);
            var outcome = await Gateway.Services.GetRequiredService<RegistryRuntime>().ReloadAsync(CancellationToken.None);
            Assert.Empty(outcome.Errors);
        }

        public ValueTask DisposeAsync() => Gateway.DisposeAsync();
    }
}
