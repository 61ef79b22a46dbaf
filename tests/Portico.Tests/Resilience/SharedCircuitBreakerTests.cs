using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Resilience;
using Portico.Resilience.CircuitBreakers;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>
/// Circuit state shared between gateway instances through Table storage (Azurite): what one instance learns about a
/// failing backend, the others adopt within one sync interval, and a new instance starts from it. Where a test speaks
/// of sync intervals and break durations, its instances share one <see cref="TestClock"/>, so an interval passes when
/// the test moves the clock and not before.
/// </summary>
public sealed class SharedCircuitBreakerTests : IAsyncLifetime
{
    private const string FailFast = """{ "retry": { "maxAttempts": 1 } }""";

    private int _status = 503;
    private TestBackend _backend = null!;
    private string _connection = null!;
    private string _breakerTable = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context =>
        {
            context.Response.StatusCode = Volatile.Read(ref _status);
            return context.Response.WriteAsync("backend");
        });
        _connection = await Azurite.ConnectionStringAsync();
        _breakerTable = Azurite.NewTableName("cb");
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task Shared_OneInstanceOpens_TheOtherStopsCallingTheBackendWithinTheSyncInterval()
    {
        var clock = new TestClock();
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "5m"));
        await using var first = await StartAsync(table, clock);
        await using var second = await StartAsync(table, clock);

        await OpenAndShareAsync(first, second, clock);

        var before = _backend.Count;
        for (int i = 0; i < 10; i++)
        {
            using var response = await second.Client.GetAsync("/r/x");
            await ProblemAssert.ReadAsync(response, "circuit-open");
            Assert.InRange(int.Parse(response.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 200, 300);
        }

        Assert.Equal(before, _backend.Count);
    }

    [Fact]
    public async Task Shared_NewInstance_StartsFromTheRecordedState()
    {
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "5m"));
        await using var first = await StartAsync(table);
        await OpenAsync(first);
        await StoredAsync(r => r.IsOpen);

        await using var started = await StartAsync(table);
        var before = _backend.Count;
        using var response = await started.Client.GetAsync("/r/x");

        await ProblemAssert.ReadAsync(response, "circuit-open");
        Assert.Equal(before, _backend.Count);
    }

    [Fact]
    public async Task Shared_TrialSucceedsOnOneInstance_TheOthersAdoptTheClose()
    {
        var clock = new TestClock();
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "2s"));
        await using var first = await StartAsync(table, clock);
        await using var second = await StartAsync(table, clock);
        await OpenAndShareAsync(first, second, clock);

        Volatile.Write(ref _status, 200);
        // After the 2 s break the first instance's next request is its trial; it succeeds and closes the circuit.
        clock.Advance(TimeSpan.FromSeconds(2));
        using (var trial = await first.Client.GetAsync("/r/x"))
        {
            Assert.Equal(HttpStatusCode.OK, trial.StatusCode);
        }

        // The second instance sent nothing meanwhile: it learns of the close from storage, not by its own trial.
        await StoredAsync(r => r.BackendId == "b" && !r.IsOpen);
        Assert.True(
            await SyncUntilAsync(clock, () => second.Services.Backend("b").OpenUntil is null && second.Logs.Entries.Any(e => e.EventId.Id == 407)),
            "the second instance never adopted the close");
        using var answer = await second.Client.GetAsync("/r/x");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task Shared_SharingTurnedOffForTheBackend_OtherInstancesKeepCalling()
    {
        // Backend b does not share its circuit; backend c does. Transitions are written one at a time in the order they
        // happen, so once c's (later) opening is in storage, b's would be there before it, had b shared it.
        var table = await RegistryTables.ImportAsync($$"""
        {
          "backends": [
            { "id": "b", "url": "{{_backend.Url}}", "resilience": {{Breaker("5m", shared: false)}} },
            { "id": "c", "url": "{{_backend.Url}}", "resilience": {{Breaker("5m", shared: true)}} }
          ],
          "routes": [
            { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b", "resilience": {{FailFast}} },
            { "id": "s", "auth": "anonymous", "match": { "path": "/s/{**rest}" }, "backend": "c", "resilience": {{FailFast}} }
          ]
        }
        """);
        await using var first = await StartAsync(table);
        await using var second = await StartAsync(table);
        await OpenAsync(first, "/r/x");
        await OpenAsync(first, "/s/x");

        var records = await StoredAsync(r => r.BackendId == "c" && r.IsOpen);
        Assert.DoesNotContain(records, r => r.BackendId == "b");
        Assert.True(await Eventually.TrueAsync(() => second.Services.Backend("c").OpenUntil is not null, TimeSpan.FromSeconds(15)));
        Assert.Null(second.Services.Backend("b").OpenUntil);
        using var response = await second.Client.GetAsync("/r/x");
        Assert.Equal("backend", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Shared_StoreUnreachable_CircuitsWorkLocallyAndTheFailureIsLogged()
    {
        // File registry, storage pointing at a port where nothing listens.
        var deadStorage = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/{Azurite.AccountName}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var gateway = await ResilienceGateway.StartAsync(_backend.Url, FailFast, Breaker("5m", shared: true), settings: new Dictionary<string, string?>
        {
            ["Portico:Storage:ConnectionString"] = deadStorage,
            ["Portico:Resilience:CircuitBreakerTableName"] = _breakerTable,
            ["Portico:Resilience:CircuitBreakerSyncInterval"] = "00:00:01",
        });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"start-up took {clock.Elapsed}");
        using var metrics = new MetricRecorder(gateway.Services);

        await OpenAsync(gateway);
        using (var response = await gateway.Client.GetAsync("/r/x"))
        {
            await ProblemAssert.ReadAsync(response, "circuit-open");
        }

        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 411);
        Assert.True(await Eventually.TrueAsync(() => metrics.Sum("portico.resilience.circuit.store", ("operation", "write"), ("outcome", "failed")) >= 1, TimeSpan.FromSeconds(30)));
    }

    private static string Breaker(string breakDuration, bool shared) =>
        $$"""{ "circuitBreaker": { "minimumThroughput": 4, "failureRatio": 0.5, "breakDuration": "{{breakDuration}}", "shared": {{(shared ? "true" : "false")}} } }""";

    private string Registry(string breakDuration, bool shared = true) =>
        ResilienceGateway.Registry(_backend.Url, FailFast, Breaker(breakDuration, shared));

    private Task<GatewayHost> StartAsync(string registryTable, TestClock? clock = null) => GatewayHost.StartWithTableAsync(
        _connection,
        registryTable,
        new Dictionary<string, string?>
        {
            ["Portico:Resilience:CircuitBreakerTableName"] = _breakerTable,
            ["Portico:Resilience:CircuitBreakerSyncInterval"] = "00:00:01",
        },
        clock is null ? null : clock.AddTo);

    /// <summary>Fails enough calls through <paramref name="gateway"/> to open its circuit.</summary>
    private static async Task OpenAsync(GatewayHost gateway, string path = "/r/x")
    {
        for (int i = 0; i < 4; i++)
        {
            using var failed = await gateway.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        using var refused = await gateway.Client.GetAsync(path);
        await ProblemAssert.ReadAsync(refused, "circuit-open");
    }

    /// <summary>
    /// Opens backend b's circuit on <paramref name="first"/>, waits for the record to be stored, then lets exactly one
    /// sync interval pass on <paramref name="clock"/>: <paramref name="second"/> must have adopted the open circuit.
    /// </summary>
    private async Task OpenAndShareAsync(GatewayHost first, GatewayHost second, TestClock clock)
    {
        await OpenAsync(first);
        await StoredAsync(r => r.BackendId == "b" && r.IsOpen);
        // Sync every 1 s here, and the second instance has been waiting for its first interval since it started. The
        // adoption is over once it is logged (the state changes just before).
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(
            await Eventually.TrueAsync(() => second.Services.Backend("b").OpenUntil is not null && second.Logs.Entries.Any(e => e.EventId.Id == 406), TimeSpan.FromSeconds(15)),
            "the second instance did not adopt the open circuit within one sync interval");
    }

    /// <summary>Waits until the shared store holds a record <paramref name="match"/> accepts; returns every record then.</summary>
    private async Task<IReadOnlyList<CircuitBreakerRecord>> StoredAsync(Func<CircuitBreakerRecord, bool> match)
    {
        var store = new TableCircuitBreakerStore(await Azurite.ServiceClientAsync(), _breakerTable);
        IReadOnlyList<CircuitBreakerRecord> records = [];
        Assert.True(
            await Eventually.TrueAsync(async () => (records = [.. await store.ReadAllAsync(CancellationToken.None)]).Any(match), TimeSpan.FromSeconds(15)),
            "the record never reached the shared store");
        return records;
    }

    /// <summary>Lets sync intervals pass on <paramref name="clock"/>, one each time it polls, until <paramref name="condition"/> holds.</summary>
    private static Task<bool> SyncUntilAsync(TestClock clock, Func<bool> condition) => Eventually.TrueAsync(
        () =>
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return condition();
        },
        TimeSpan.FromSeconds(15));
}
