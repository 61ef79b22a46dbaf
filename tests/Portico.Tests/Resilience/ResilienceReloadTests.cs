using System.Net;
using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Portico.Configuration;
using Portico.Storage.File;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>Resilience settings survive both stores and reloads; circuit state survives a reload that leaves its backend alone.</summary>
public sealed class ResilienceReloadTests
{
    private const string RouteResilience = """{ "timeout": "10s", "attemptTimeout": "2s", "retry": { "maxAttempts": 1, "statusCodes": [503], "nonIdempotent": true, "maxBufferedBody": 1024, "maxRetryAfter": "1s" }, "fallback": { "static": { "status": 200, "body": "later" }, "statusCodes": [503] } }""";
    private const string BackendResilience = """{ "circuitBreaker": { "minimumThroughput": 2, "breakDuration": "5m", "failureStatusCodes": [503], "shared": false }, "bulkhead": { "maxConcurrency": 8, "queueLimit": 2 }, "retryBudget": { "ratio": 0.1, "minRetriesPerSecond": 0.5 } }""";

    [Fact]
    public async Task Resilience_ImportedToTableAndExportedToFile_RoundTripsUnchanged()
    {
        var json = ResilienceGateway.Registry("http://127.0.0.1:9", RouteResilience, BackendResilience);
        var document = RegistrySerializer.ParseDocument(System.Text.Encoding.UTF8.GetBytes(json), "test").Value!;

        var table = await RegistryTables.ImportAsync(json);
        var fromTable = await new TableRegistryStore(await Azurite.ServiceClientAsync(), table).LoadAsync(CancellationToken.None);
        Assert.Empty(fromTable.Errors);
        Assert.Equal(RegistryDiff.ContentHash(document), RegistryDiff.ContentHash(fromTable.Document!));
        Assert.Equal(0.1, fromTable.Document!.Backends[0].Resilience!.RetryBudget!.Ratio);
        Assert.Equal("2s", fromTable.Document.Routes[0].Resilience!.AttemptTimeout);

        using var directory = new TempDirectory();
        var path = directory.File("exported.json");
        await File.WriteAllBytesAsync(path, RegistrySerializer.SerializeDocument(fromTable.Document));
        using var fileStore = new FileRegistryStore(path, watch: false);
        var fromFile = await fileStore.LoadAsync(CancellationToken.None);
        Assert.Empty(fromFile.Errors);
        Assert.Equal(RegistryDiff.ContentHash(document), RegistryDiff.ContentHash(fromFile.Document!));
    }

    [Fact]
    public async Task Reload_BackendUnchanged_OpenCircuitSurvivesTheReload()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        var breaker = """{ "circuitBreaker": { "minimumThroughput": 2, "breakDuration": "5m" } }""";
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, """{ "retry": { "maxAttempts": 1 } }""", breaker);
        await OpenAsync(gateway);

        // An unrelated change: a new route. The backend's definition is the same, so its circuit stays open.
        await gateway.WriteConfigAsync(ResilienceGateway.Registry(backend.Url, """{ "retry": { "maxAttempts": 2 } }""", breaker));
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Count(e => e.EventId.Id == 100) >= 2, TimeSpan.FromSeconds(20)));

        using var response = await gateway.Client.GetAsync("/r/x");
        await ProblemAssert.ReadAsync(response, "circuit-open");
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Reload_BackendResilienceChanged_StartsWithAClosedCircuit()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "retry": { "maxAttempts": 1 } }""", """{ "circuitBreaker": { "minimumThroughput": 2, "breakDuration": "5m" } }""");
        await OpenAsync(gateway);

        await gateway.WriteConfigAsync(ResilienceGateway.Registry(
            backend.Url, """{ "retry": { "maxAttempts": 1 } }""", """{ "circuitBreaker": { "minimumThroughput": 3, "breakDuration": "5m" } }"""));
        Assert.True(await Eventually.TrueAsync(() => gateway.Services.Backend("b").Settings.MinimumThroughput == 3, TimeSpan.FromSeconds(20)));

        using var response = await gateway.Client.GetAsync("/r/x");
        Assert.Equal("backend says 503", await response.Content.ReadAsStringAsync());
        Assert.Equal(CircuitState.Closed, gateway.Services.Backend("b").CircuitState);
    }

    [Fact]
    public async Task Reload_InvalidResilience_RejectedAndTheLastGoodSnapshotKeepsServing()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Ok("fine"));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url);

        await gateway.WriteConfigAsync(ResilienceGateway.Registry(backend.Url, """{ "timeout": "-1s" }"""));
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 101), TimeSpan.FromSeconds(20)));

        var rejection = gateway.Logs.Entries.First(e => e.EventId.Id == 101).Message;
        Assert.Contains("route 'r'", rejection, StringComparison.Ordinal);
        Assert.Contains("resilience.timeout", rejection, StringComparison.Ordinal);
        using var response = await gateway.Client.GetAsync("/r/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task OpenAsync(GatewayHost gateway)
    {
        for (int i = 0; i < 2; i++)
        {
            using var failed = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        using var refused = await gateway.Client.GetAsync("/r/x");
        await ProblemAssert.ReadAsync(refused, "circuit-open");
    }
}
