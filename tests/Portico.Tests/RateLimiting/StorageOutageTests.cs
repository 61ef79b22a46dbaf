using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Portico.RateLimiting;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Counter storage fails in the middle of a run (Azurite stopped, or a storage endpoint that never answers):
/// failOpen policies keep limiting locally at the instance's share with no 5xx, failClosed ones answer 503, no
/// request waits longer than the storage timeout, the outage is logged once and counted, and shared limiting
/// resumes when storage returns.
/// </summary>
public sealed class StorageOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Registry = """
    {
      "rateLimitPolicies": [
        { "id": "open", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1h", "burst": 4 }, "store": "leased" },
        { "id": "closed", "key": ["header:X-Client"], "rate": { "requests": 100, "per": "1s" }, "store": "exact", "onStorageFailure": "failClosed" }
      ],
      "routes": [
        { "id": "open", "auth": "anonymous", "match": { "path": "/open" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["open"] } },
        { "id": "closed", "auth": "anonymous", "match": { "path": "/closed" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["closed"] } }
      ]
    }
    """;

    private static Dictionary<string, string?> Settings(string connection, TimeSpan? storageTimeout = null) => new()
    {
        ["Portico:Storage:ConnectionString"] = connection,
        ["Portico:RateLimiting:TableName"] = Azurite.NewTableName("rc"),
        ["Portico:RateLimiting:StorageTimeout"] = (storageTimeout ?? TimeSpan.FromMilliseconds(500)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Portico:RateLimiting:OutageProbeInterval"] = "00:00:01",
        ["Portico:RateLimiting:HeartbeatInterval"] = "00:00:01",
    };

    private static async Task<(HttpStatusCode Status, HttpResponseMessage Response, TimeSpan Took)> GetAsync(GatewayHost gateway, string path, string client)
    {
        var clock = Stopwatch.StartNew();
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Client", client);
        var response = await gateway.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return (response.StatusCode, response, clock.Elapsed);
    }

    private static async Task<int> AllowedAsync(IReadOnlyList<GatewayHost> gateways, string path, string client, int attempts)
    {
        var allowed = 0;
        for (int i = 0; i < attempts; i++)
        {
            var (status, response, _) = await GetAsync(gateways[i % gateways.Count], path, client);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{path}: {(int)status} {await response.Content.ReadAsStringAsync()}");
            if (status == HttpStatusCode.OK)
            {
                allowed++;
            }
        }

        return allowed;
    }

    [Fact]
    public async Task Azurite_StoppedMidRunThenRestarted_FailOpenLimitsAtTheShareFailClosedAnswers503ThenSharedAgain()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var settings = Settings(azurite.ConnectionString);
        await using var first = await GatewayHost.StartWithFileAsync(Registry, settings);
        await using var second = await GatewayHost.StartWithFileAsync(Registry, settings);
        GatewayHost[] gateways = [first, second];
        using var probe = new MetricsProbe(first);
        Assert.True(await Eventually.TrueAsync(() => gateways.All(g => g.Services.GetRequiredService<InstanceCount>().Current == 2), TimeSpan.FromSeconds(30)));

        // Shared: one bucket of 4 for a key, whichever instance answers.
        Assert.Equal(4, await AllowedAsync(gateways, "/open", "before", 8));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(first, "/closed", "before")).Status);

        azurite.Kill();

        // failOpen: each instance limits on its own, at its share (half the burst): 2 + 2, and never a 5xx.
        Assert.Equal(2, await AllowedAsync([first], "/open", "during", 6));
        Assert.Equal(2, await AllowedAsync([second], "/open", "during", 6));
        // failClosed: 503 with Retry-After and the policy named; no RateLimit values it cannot know.
        for (int i = 0; i < 5; i++)
        {
            var (status, response, took) = await GetAsync(first, "/closed", "during");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var problem = await ProblemAssert.ReadAsync(response, "rate-limit-unavailable");
            Assert.Equal("closed", problem.GetProperty("policy").GetString());
            Assert.InRange(int.Parse(response.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 2);
            Assert.Equal("\"closed\";q=100;w=1", string.Join(",", response.Headers.GetValues("RateLimit-Policy")));
            Assert.False(response.Headers.Contains("RateLimit"));
            Assert.True(took < TimeSpan.FromSeconds(5), $"a request took {took} while storage was down");
        }

        // Logged once per instance for the whole outage, and counted.
        Assert.Single(first.Logs.Entries, e => e.EventId.Id == 500);
        Assert.True(probe.Sum("portico.ratelimit.fallback", ("mode", "failOpen")) >= 6);
        Assert.True(probe.Sum("portico.ratelimit.fallback", ("mode", "failClosed")) >= 5);
        Assert.Equal(1, probe.Sum("portico.ratelimit.storage.transitions", ("state", "degraded")));

        await azurite.StartAgainAsync();

        // Recovery is automatic: a probe finds storage and shared limiting resumes on both instances.
        foreach (var gateway in gateways)
        {
            var recoveredInTime = await Eventually.TrueAsync(async () => (await GetAsync(gateway, "/closed", "after")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
            foreach (var entry in gateway.Logs.Entries.Where(e => e.EventId.Id is 500 or 501))
            {
                output.WriteLine($"{entry.EventId.Id} {entry.Message}");
            }

            Assert.True(recoveredInTime, "failClosed policy did not recover");
            Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 501), TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(4, await AllowedAsync(gateways, "/open", "after", 8));
        // Every degradation ended in a recovery (a restarting Azurite may fail a probe or two first).
        var recovered = probe.Sum("portico.ratelimit.storage.transitions", ("state", "recovered"));
        Assert.True(recovered >= 1);
        Assert.Equal(probe.Sum("portico.ratelimit.storage.transitions", ("state", "degraded")), recovered);
    }

    [Fact]
    public async Task StorageNeverAnswers_RequestsWaitAtMostTheStorageTimeoutAndNoneFails()
    {
        // A listener that accepts connections and never answers: the worst kind of outage.
        using var blackhole = new TcpListener(IPAddress.Loopback, 0);
        blackhole.Start();
        var accepted = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    accepted.Add(await blackhole.AcceptTcpClientAsync(stop.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)blackhole.LocalEndpoint).Port}/{Azurite.AccountName}";
        // A storage timeout far above what a request that does not touch storage takes, even on a loaded machine: a
        // request that waited on storage takes at least this long, one that did not takes milliseconds.
        var storageTimeout = TimeSpan.FromSeconds(2);
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, Settings(Azurite.ConnectionStringFor(endpoint), storageTimeout));
        using var probe = new MetricsProbe(gateway);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => GetAsync(gateway, "/open", "hanging")));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{(int)a.Status}"));
        // Instance count is 1 (no heartbeat ever answered): the whole burst of 4, locally.
        Assert.Equal(4, answers.Count(a => a.Status == HttpStatusCode.OK));
        // Queued behind one storage call, none waits as long as three storage timeouts.
        Assert.True(answers.Max(a => a.Took) < 3 * storageTimeout, $"slowest request took {answers.Max(a => a.Took)}");

        // While the breaker is open, requests do not wait on storage at all: decided locally, well inside one storage timeout.
        var fallbacks = probe.Sum("portico.ratelimit.fallback", ("portico.policy", "open"));
        var (status, _, took) = await GetAsync(gateway, "/open", "another");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fallbacks + 1, probe.Sum("portico.ratelimit.fallback", ("portico.policy", "open")));
        Assert.True(took < storageTimeout, $"took {took} with storage known to be down");
        var (closedStatus, closedResponse, _) = await GetAsync(gateway, "/closed", "x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, closedStatus);
        await ProblemAssert.ReadAsync(closedResponse, "rate-limit-unavailable");
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 500 && e.Message.Contains("timed out", StringComparison.Ordinal));

        await stop.CancelAsync();
        blackhole.Stop();
        await acceptLoop;
        accepted.ForEach(c => c.Dispose());
    }
}
