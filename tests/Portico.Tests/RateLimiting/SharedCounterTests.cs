using System.Net;
using Azure.Data.Tables;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Portico.RateLimiting;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Counters shared through Table storage (Azurite): three gateway instances, each with its own memory, serve one
/// hot key at five times its limit. <c>exact</c> never admits more than the limit; <c>leased</c> stays within its
/// documented bound; both work with the registry in a file or in Table storage.
/// </summary>
public sealed class SharedCounterTests(ITestOutputHelper output)
{
    private const int InstanceCount = 3;

    private static string Registry(string policies) => $$"""
    {
      "rateLimitPolicies": [ {{policies}} ],
      "routes": [
        { "id": "hot", "auth": "anonymous", "match": { "path": "/hot" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["hot"] } }
      ]
    }
    """;

    private static Dictionary<string, string?> Settings(string connection, string counterTable) => new()
    {
        ["Portico:Storage:ConnectionString"] = connection,
        ["Portico:RateLimiting:TableName"] = counterTable,
        ["Portico:RateLimiting:HeartbeatInterval"] = "00:00:01",
    };

    private static async Task<GatewayHost[]> StartFileInstancesAsync(string registry, Dictionary<string, string?> settings)
    {
        var gateways = new GatewayHost[InstanceCount];
        for (int i = 0; i < gateways.Length; i++)
        {
            gateways[i] = await GatewayHost.StartWithFileAsync(registry, settings);
        }

        await SeenEachOtherAsync(gateways);
        return gateways;
    }

    /// <summary>Waits until every instance's heartbeat counted all three (the table exists and storage is warm).</summary>
    private static async Task SeenEachOtherAsync(GatewayHost[] gateways) =>
        Assert.True(
            await Eventually.TrueAsync(() => gateways.All(g => g.Services.GetRequiredService<Portico.RateLimiting.InstanceCount>().Current == gateways.Length), TimeSpan.FromSeconds(30)),
            "the instances did not see each other's heartbeats");

    private static async Task DisposeAllAsync(GatewayHost[] gateways)
    {
        foreach (var gateway in gateways)
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Exact_ThreeInstancesOneKeyAtFiveTimesTheLimit_NeverAdmitsMoreThanTheLimit()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName("rc");
        const int rate = 20, burst = 10;
        var gateways = await StartFileInstancesAsync(
            Registry($$"""{ "id": "hot", "key": ["header:X-Client"], "rate": { "requests": {{rate}}, "per": "1s", "burst": {{burst}} }, "store": "exact", "onStorageFailure": "failClosed" }"""),
            Settings(connection, table));
        var probes = gateways.Select(g => new MetricsProbe(g)).ToArray();
        try
        {
            var result = await PacedLoad.RunAsync([.. gateways.Select(g => g.Client)], "/hot", "one-hot-key", perSecond: 5 * rate, TimeSpan.FromSeconds(3));

            var admitted = result.Count(HttpStatusCode.OK);
            var limit = burst + (rate * result.Elapsed.TotalSeconds);
            var operations = probes.Sum(p => p.Sum("portico.ratelimit.storage.operations"));
            output.WriteLine($"exact: {admitted} admitted of {result.Answers.Count} in {result.Elapsed.TotalSeconds:0.00} s (limit {limit:0.#}), {operations} storage operations");
            Assert.Empty(result.Where(s => s is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)));
            Assert.True(admitted <= limit, $"exact admitted {admitted} of {result.Answers.Count}, over its limit {limit:0.#}");
            // The limit is reached, not starved by contention: well over half of it is admitted.
            Assert.True(admitted >= 0.7 * (burst + (rate * 3)), $"exact admitted only {admitted} of {result.Answers.Count} (limit {limit:0.#})");
            // Every instance took part.
            Assert.All(probes, p => Assert.True(p.Sum("portico.ratelimit.decisions", ("outcome", "allowed")) > 0));
        }
        finally
        {
            Array.ForEach(probes, p => p.Dispose());
            await DisposeAllAsync(gateways);
        }
    }

    [Fact]
    public async Task Leased_ThreeInstancesOneKeyAtFiveTimesTheLimit_StaysWithinTheDocumentedBound()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName("rc");
        const int rate = 50, burst = 50;
        var gateways = await StartFileInstancesAsync(
            Registry($$"""{ "id": "hot", "key": ["header:X-Client"], "rate": { "requests": {{rate}}, "per": "1s", "burst": {{burst}} }, "store": "leased" }"""),
            Settings(connection, table));
        var probes = gateways.Select(g => new MetricsProbe(g)).ToArray();
        try
        {
            var policy = gateways[0].Services.GetRequiredService<Portico.Registry.RegistryRuntime>().Current.Routes.Routes[0].RateLimits.WithoutPlan.Policies[0];
            var result = await PacedLoad.RunAsync([.. gateways.Select(g => g.Client)], "/hot", "one-hot-key", perSecond: 5 * rate, TimeSpan.FromSeconds(3));

            var admitted = result.Count(HttpStatusCode.OK);
            var operations = probes.Sum(p => p.Sum("portico.ratelimit.storage.operations"));
            foreach (var probe in probes)
            {
                output.WriteLine($"allowed {probe.Sum("portico.ratelimit.decisions", ("outcome", "allowed"))} degraded {probe.Sum("portico.ratelimit.decisions", ("outcome", "allowed_degraded"))} limited {probe.Sum("portico.ratelimit.decisions", ("outcome", "limited"))} taken {probe.Sum("portico.ratelimit.lease.tokens", ("direction", "taken"))} ops-failed {probe.Sum("portico.ratelimit.storage.operations", ("outcome", "failed"))}");
            }

            foreach (var entry in gateways.SelectMany(g => g.Logs.Entries).Where(e => e.EventId.Id is 500 or 501))
            {
                output.WriteLine(entry.Message);
            }

            foreach (var op in new[] { "read", "insert", "update", "create", "upsert", "query" })
            {
                foreach (var outcome in new[] { "ok", "not_found", "conflict", "failed" })
                {
                    var n = probes.Sum(p => p.Sum("portico.ratelimit.storage.operations", ("operation", op), ("outcome", outcome)));
                    if (n > 0)
                    {
                        output.WriteLine($"{op} {outcome}: {n}");
                    }
                }
            }

            output.WriteLine("per 250 ms: " + string.Join(" ", result.Where(s => s == HttpStatusCode.OK).GroupBy(a => (int)(a.At.TotalMilliseconds / 250)).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}")));
            output.WriteLine($"leased: {admitted} admitted of {result.Answers.Count} in {result.Elapsed.TotalSeconds:0.00} s (limit {burst + (rate * result.Elapsed.TotalSeconds):0.#}), {operations} storage operations");
            // docs/rate-limiting.md: in any window, at most instances × lease size more than one exact bucket.
            var bound = burst + (rate * result.Elapsed.TotalSeconds) + (InstanceCount * policy.LeaseCap(InstanceCount));
            Assert.Equal(8, policy.LeaseCap(InstanceCount)); // half the burst, shared by three
            Assert.Empty(result.Where(s => s is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)));
            Assert.True(admitted <= bound, $"leased admitted {admitted}, over its bound {bound:0.#}");
            Assert.True(admitted >= 0.7 * (burst + (rate * 3)), $"leased admitted only {admitted} (bound {bound:0.#})");
            // Leasing means far fewer storage writes than admissions.
            var writes = probes.Sum(p => p.Sum("portico.ratelimit.storage.operations", ("operation", "update")) + p.Sum("portico.ratelimit.storage.operations", ("operation", "insert")));
            Assert.True(writes < admitted / 2.0, $"{writes} writes for {admitted} admissions");
        }
        finally
        {
            Array.ForEach(probes, p => p.Dispose());
            await DisposeAllAsync(gateways);
        }
    }

    [Fact]
    public async Task Leased_InstanceGoesIdleWithTokensLeft_UnspentTokensGoBackForOtherInstances()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var settings = Settings(connection, Azurite.NewTableName("rc"));
        var registry = Registry("""{ "id": "hot", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1h", "burst": 10 }, "store": "leased", "lease": { "maxTokens": 8, "ttl": "200ms" } }""");
        await using var first = await GatewayHost.StartWithFileAsync(registry, settings);
        await using var second = await GatewayHost.StartWithFileAsync(registry, settings);
        using var probe = new MetricsProbe(first);
        await SeenEachOtherAsync([first, second]);

        // A short burst on the first instance: its demand makes it lease more than the three it spends.
        var burst = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(first)));
        Assert.All(burst, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(probe.Sum("portico.ratelimit.lease.tokens", ("direction", "taken")) > 3, "the first instance leased no more than it spent");

        // It goes quiet: after the lease's TTL the janitor gives the rest back, so the second instance gets all 7.
        Assert.True(await Eventually.TrueAsync(() => probe.Sum("portico.ratelimit.lease.tokens", ("direction", "returned")) > 0, TimeSpan.FromSeconds(10)));
        var allowed = 0;
        for (int i = 0; i < 12; i++)
        {
            if (await SendAsync(second) == HttpStatusCode.OK)
            {
                allowed++;
            }
        }

        Assert.Equal(7, allowed);
    }

    private static async Task<HttpStatusCode> SendAsync(GatewayHost gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hot");
        request.Headers.Add("X-Client", "idle-then-busy");
        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task TableRegistry_DefaultStoreIsLeased_InstancesShareTheLimitAndTheEntityHidesTheKey()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var registryTable = Azurite.NewTableName("reg");
        var counterTable = Azurite.NewTableName("rc");
        using var directory = new TempDirectory();
        var file = directory.File("portico.json");
        await File.WriteAllTextAsync(file, Registry("""{ "id": "hot", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1h", "burst": 6 }, "quotas": [ { "limit": 100, "period": "day" } ] }"""));
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", file, "--storage", connection, "--table", registryTable)).ExitCode);
        var gateways = new GatewayHost[InstanceCount];
        for (int i = 0; i < gateways.Length; i++)
        {
            gateways[i] = await GatewayHost.StartWithTableAsync(connection, registryTable, new Dictionary<string, string?>
            {
                ["Portico:RateLimiting:TableName"] = counterTable,
                ["Portico:RateLimiting:HeartbeatInterval"] = "00:00:01",
            });
        }

        await SeenEachOtherAsync(gateways);

        try
        {
            var allowed = 0;
            for (int round = 0; round < 4; round++)
            {
                foreach (var gateway in gateways)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/hot");
                    request.Headers.Add("X-Client", "secret-client-name");
                    using var response = await gateway.Client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        allowed++;
                    }
                }
            }

            // One bucket of 6 for the key, whichever instance is asked (the rate adds one per hour).
            Assert.InRange(allowed, 6, 7);

            var service = new TableServiceClient(connection);
            var entities = service.GetTableClient(counterTable).Query<TableEntity>().Where(e => !e.PartitionKey.StartsWith('_')).ToList(); // not the heartbeats and the cleanup marker
            var entity = Assert.Single(entities);
            Assert.Matches("^[0-9a-f]{32}$", entity.PartitionKey);
            Assert.Equal("hot", entity.RowKey);
            Assert.Equal(RateLimiter.PartitionKeyOf("hot", "h:secret-client-name"), entity.PartitionKey);
            Assert.InRange(entity.GetInt64("DayCount")!.Value, allowed, 6 + 1);
            Assert.True(entity.GetDateTimeOffset("ExpiresAt") > TimeProvider.System.GetUtcNow()); // the gateways run on the system clock
            Assert.DoesNotContain(entity, p => p.Value?.ToString()?.Contains("secret-client-name", StringComparison.Ordinal) == true);
        }
        finally
        {
            await DisposeAllAsync(gateways);
        }
    }

}
