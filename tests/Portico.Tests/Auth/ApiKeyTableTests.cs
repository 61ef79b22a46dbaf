using System.Diagnostics;
using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Auth;

/// <summary>
/// API keys in Table mode on Azurite: keys made with <c>portico keys create --storage</c> live in their own table,
/// are looked up with point reads cached for a bounded time, stop working within that bound once revoked, and a
/// storage outage answers 503 for keys not in the cache.
/// </summary>
public sealed class ApiKeyTableTests : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    /// <summary>Imports a registry whose route takes API keys into <paramref name="storage"/>; returns the table.</summary>
    private Task<string> ImportAsync(string storage) => RegistryTables.ImportAsync(
        $$"""
        {
          "backends": [ { "id": "api", "url": {{J(_backend.Url)}} } ],
          "consumers": [ { "id": "partner-a" } ],
          "authPolicies": [ { "id": "keys", "type": "apiKey" } ],
          "routes": [ { "id": "api", "auth": "keys", "match": { "path": "/api" }, "backend": "api" } ]
        }
        """,
        storage);

    private static async Task<string> CreateKeyAsync(string storage, string table, string keysTable)
    {
        var (code, output, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", "partner-a", "--storage", storage, "--table", table, "--keys-table", keysTable);
        Assert.True(code == 0, error);
        return output.Trim();
    }

    private static async Task<HttpStatusCode> CallAsync(GatewayHost gateway, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
        request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task TableKey_CachedLookups_RevokedWithinTheCacheDuration()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = await ImportAsync(storage);
        var keysTable = Azurite.NewTableName("k");
        var key = await CreateKeyAsync(storage, table, keysTable);

        var clock = new TestClock();
        await using var gateway = await GatewayHost.StartWithTableAsync(
            storage,
            table,
            new Dictionary<string, string?>
            {
                ["Portico:Auth:ApiKeys:TableName"] = keysTable,
                ["Portico:Auth:ApiKeys:CacheDuration"] = "00:00:03",
                ["Portico:Auth:ApiKeys:NegativeCacheDuration"] = "00:00:01",
            },
            clock.AddTo);
        using var metrics = new MetricRecorder(gateway.Services);

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(gateway, key));
        }

        Assert.InRange(metrics.Sum("portico.auth.apikey_lookups"), 1, 2); // cached: not one storage read per request
        Assert.Equal("partner-a", _backend.LastRequest.Header("X-Portico-Consumer"));

        var id = key[3..15];
        var (code, _, error) = await PorticoCli.RunAsync("keys", "revoke", id, "--storage", storage, "--table", table, "--keys-table", keysTable);
        Assert.True(code == 0, error);
        // The cached answer stands for the cache duration on the gateway's clock, and not a moment longer.
        clock.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(gateway, key));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(gateway, key));

        var (listCode, list, _) = await PorticoCli.RunAsync("keys", "list", "--storage", storage, "--table", table, "--keys-table", keysTable);
        Assert.Equal(0, listCode);
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("revoked", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TableKey_StorageOutage_UncachedKeyGets503CachedKeyStillWorks()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var table = await ImportAsync(azurite.ConnectionString);
        var keysTable = Azurite.NewTableName("k");
        var cached = await CreateKeyAsync(azurite.ConnectionString, table, keysTable);
        var uncached = await CreateKeyAsync(azurite.ConnectionString, table, keysTable);
        await using var gateway = await GatewayHost.StartWithTableAsync(azurite.ConnectionString, table, new Dictionary<string, string?>
        {
            ["Portico:Auth:ApiKeys:TableName"] = keysTable,
            ["Portico:Auth:ApiKeys:CacheDuration"] = "00:05:00",
            ["Portico:Auth:ApiKeys:LookupTimeout"] = "00:00:02",
        });
        Assert.Equal(HttpStatusCode.OK, await CallAsync(gateway, cached));

        azurite.Kill();

        var clock = Stopwatch.StartNew();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api"))
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", uncached);
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "auth-unavailable");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, await CallAsync(gateway, cached));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 330 && !e.Message.Contains(uncached, StringComparison.Ordinal));
        Assert.Equal(1 + 1, _backend.Count);
    }
}
