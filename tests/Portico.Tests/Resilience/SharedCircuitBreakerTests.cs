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
    private int _flaky; // when 1, the backend fails every other request it receives, whatever _status says
    private int _received;
    private TestBackend _backend = null!;
    private string _connection = null!;
    private string _breakerTable = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context =>
        {
            var received = Interlocked.Increment(ref _received);
            context.Response.StatusCode = Volatile.Read(ref _flaky) == 1 ? (received % 2 == 1 ? 503 : 200) : Volatile.Read(ref _status);
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

    /// <summary>
    /// Issue 23: a failed half-open trial on one instance reopens that instance's circuit only. Against a flaky
    /// backend, adopting every failed trial kept all instances cut off whenever any one trial failed; each instance
    /// now probes with its own trial, while the first open (failure ratio reached) is still shared.
    /// </summary>
    [Fact]
    public async Task Shared_TrialFailsOnOneInstance_TheOthersProbeOnTheirOwn()
    {
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "2s"));
        await using var first = await StartAsync(table);
        await using var second = await StartAsync(table);
        using var secondMetrics = new MetricRecorder(second.Services);
        await OpenAsync(first);
        Assert.True(await Eventually.TrueAsync(() => second.Services.Backend("b").OpenUntil is not null, TimeSpan.FromSeconds(15)));
        var adopted = second.Services.Backend("b").OpenUntil!.Value;

        // After the break the first instance's next request is its trial; the backend still fails it.
        var calls = _backend.Count;
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var response = await first.Client.GetAsync("/r/x");
            return _backend.Count > calls;
        }, TimeSpan.FromSeconds(20)));
        var store = new TableCircuitBreakerStore(await Azurite.ServiceClientAsync(), _breakerTable);
        Assert.True(
            await Eventually.TrueAsync(async () => (await store.ReadAllAsync(CancellationToken.None)).Any(r => r.IsOpen && r.OpenUntil > adopted), TimeSpan.FromSeconds(15)),
            "the failed trial was not recorded");

        // Two reads by the second instance later it has seen that record, and not taken it as its own.
        var reads = secondMetrics.Sum("portico.resilience.circuit.store", ("operation", "read"), ("outcome", "ok"));
        Assert.True(await Eventually.TrueAsync(
            () => secondMetrics.Sum("portico.resilience.circuit.store", ("operation", "read"), ("outcome", "ok")) >= reads + 2, TimeSpan.FromSeconds(15)));
        Assert.True(second.Services.Backend("b").OpenUntil is not { } until || until <= adopted, "the second instance adopted the first one's failed trial");
        var before = _backend.Count;
        using var own = await second.Client.GetAsync("/r/x");
        Assert.Equal("backend", await own.Content.ReadAsStringAsync()); // its own trial reached the backend
        Assert.Equal(before + 1, _backend.Count);
    }

    /// <summary>
    /// Issue 23: against a backend failing half its calls, each instance trips on its own now and then. An instance
    /// that has seen the backend answer since another instance's circuit opened has fresher evidence of its own and
    /// keeps judging by it; adopting every other instance's open cut each instance off as often as all of them
    /// together tripped. An instance with no such evidence (here one that sent nothing) still adopts the open.
    /// </summary>
    [Fact]
    public async Task Shared_FlakyBackend_AnInstanceThatSawASuccessSinceTheOpenKeepsCalling()
    {
        Volatile.Write(ref _flaky, 1);
        var clock = new TestClock();
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "5m"));
        await using var first = await StartAsync(table, clock);
        await using var second = await StartAsync(table, clock);
        await using var quiet = await StartAsync(table, clock);
        using var secondMetrics = new MetricRecorder(second.Services);
        using var quietMetrics = new MetricRecorder(quiet.Services);

        await TripAsync(first);
        await StoredAsync(r => r.BackendId == "b" && r.IsOpen);

        // Later than the open (not yet a sync interval), the second instance's calls reach the flaky backend: one fails, one succeeds.
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 2; i++)
        {
            using var response = await second.Client.GetAsync("/r/x");
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.OK, statuses);

        // Both instances read the stored open; the quiet one adopts it, the second keeps its closed circuit.
        Assert.True(
            await SyncUntilAsync(clock, () => StoreReads(secondMetrics) >= 2 && StoreReads(quietMetrics) >= 2 && quiet.Services.Backend("b").OpenUntil is not null),
            "the instances never read the stored open, or the quiet one did not adopt it");
        Assert.Null(second.Services.Backend("b").OpenUntil);
        var before = _backend.Count;
        using (var own = await second.Client.GetAsync("/r/x"))
        {
            Assert.Equal("backend", await own.Content.ReadAsStringAsync());
        }

        Assert.Equal(before + 1, _backend.Count);
        using var refused = await quiet.Client.GetAsync("/r/x");
        await ProblemAssert.ReadAsync(refused, "circuit-open");
        Assert.Equal(before + 1, _backend.Count);
    }

    /// <summary>
    /// The other side of the trade-off: an instance whose calls since another instance's open all failed (the backend
    /// died) adopts the open within a sync interval, though it saw successes before.
    /// </summary>
    [Fact]
    public async Task Shared_BackendDies_AnInstanceWithOnlyFailuresSinceTheOpenAdoptsIt()
    {
        Volatile.Write(ref _status, 200);
        var clock = new TestClock();
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "5m"));
        await using var first = await StartAsync(table, clock);
        await using var second = await StartAsync(table, clock);
        for (int i = 0; i < 3; i++)
        {
            using var ok = await second.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Volatile.Write(ref _status, 503);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        await TripAsync(first);
        await StoredAsync(r => r.BackendId == "b" && r.IsOpen);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        using (var failed = await second.Client.GetAsync("/r/x"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        Assert.True(
            await SyncUntilAsync(clock, () => second.Services.Backend("b").OpenUntil is not null),
            "the second instance never adopted the open");
        var before = _backend.Count;
        using var refused = await second.Client.GetAsync("/r/x");
        await ProblemAssert.ReadAsync(refused, "circuit-open");
        Assert.Equal(before, _backend.Count);
    }

    /// <summary>
    /// Issue 23: an instance whose circuit is open by its own decision keeps its own break; another instance's later
    /// open does not extend it (it extended it before, so every instance's trip lengthened every break).
    /// </summary>
    [Fact]
    public async Task Shared_OwnBreak_AnotherInstancesLaterOpenDoesNotExtendIt()
    {
        var clock = new TestClock();
        var table = await RegistryTables.ImportAsync(Registry(breakDuration: "10s"));
        await using var first = await StartAsync(table, clock);
        await using var second = await StartAsync(table, clock);
        using var secondMetrics = new MetricRecorder(second.Services);
        await TripAsync(second);
        var own = second.Services.Backend("b").OpenUntil!.Value;
        await StoredAsync(r => r.BackendId == "b" && r.IsOpen && Near(r.OpenUntil, own));

        // Half a sync interval later (the first instance has not read the store since it started) the first trips too.
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await TripAsync(first);
        var later = first.Services.Backend("b").OpenUntil!.Value;
        Assert.True(later > own);
        await StoredAsync(r => r.BackendId == "b" && r.IsOpen && Near(r.OpenUntil, later));

        var reads = StoreReads(secondMetrics);
        Assert.True(await SyncUntilAsync(clock, () => StoreReads(secondMetrics) >= reads + 2), "the second instance never read the later open");
        Assert.Equal(own, second.Services.Backend("b").OpenUntil);
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

    /// <summary>Sends calls through <paramref name="gateway"/> until its circuit opens (at most 20: the flaky backend trips it within a few).</summary>
    private static async Task TripAsync(GatewayHost gateway)
    {
        for (int i = 0; i < 20 && gateway.Services.Backend("b").OpenUntil is null; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
        }

        Assert.NotNull(gateway.Services.Backend("b").OpenUntil);
    }

    /// <summary>Times equal to the millisecond (what a round trip through Table storage keeps).</summary>
    private static bool Near(DateTimeOffset a, DateTimeOffset b) => Math.Abs((a - b).TotalMilliseconds) < 1;

    private static double StoreReads(MetricRecorder metrics) =>
        metrics.Sum("portico.resilience.circuit.store", ("operation", "read"), ("outcome", "ok"));

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
