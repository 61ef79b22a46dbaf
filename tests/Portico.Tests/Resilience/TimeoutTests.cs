using System.Net;
using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>
/// Route and attempt timeouts answer 504 and cancel the backend call; a client that leaves cancels it too. The
/// gateways run on a <see cref="TestClock"/>: a timeout fires when the test moves the clock past it, once the backend
/// has the call, so nothing waits for real time and nothing else could have produced the 504.
/// </summary>
public sealed class TimeoutTests
{
    private readonly TestClock _clock = new();

    private Task<GatewayHost> StartAsync(TestBackend backend, string route) => ResilienceGateway.StartAsync(backend.Url, route, services: _clock.AddTo);

    /// <summary>Sends a GET; the clock counts the timers it sets from here on.</summary>
    private Task<HttpResponseMessage> SendAsync(GatewayHost gateway, string path)
    {
        _clock.SkipTimersSet();
        return gateway.Client.GetAsync(path);
    }

    /// <summary>Moves the clock by <paramref name="last"/>, the wait that ends the request: its answer must be a 504 problem.</summary>
    private async Task<JsonElement> TimesOutAsync(Task<HttpResponseMessage> request, TimeSpan last)
    {
        _clock.Advance(last);
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        return await ProblemAssert.ReadAsync(response, "gateway-timeout");
    }

    /// <summary>The registry's reload wait (<c>Portico:Registry:ReloadInterval</c>'s default), a one-off wait that is no request's.</summary>
    private static readonly TimeSpan RegistryReloadWait = TimeSpan.FromSeconds(5);

    /// <summary>A backoff is a one-off wait of at most the retry's maxDelay (2 s by default); the registry's own wait is 5 s.</summary>
    private static bool IsBackoff(TestClock.SetTimer timer) => timer.IsWait && timer.Due <= TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Timeout_BackendNeverAnswers_Answers504AndCancelsTheBackendCall()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(Faults.Hang(aborted));
        await using var gateway = await StartAsync(backend, """{ "timeout": "300ms", "retry": { "maxAttempts": 1 } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var request = SendAsync(gateway, "/r/slow");
        await backend.ReceivedAsync(1);
        var problem = await TimesOutAsync(request, TimeSpan.FromMilliseconds(300));

        Assert.DoesNotContain("127.0.0.1", problem.ToString(), StringComparison.Ordinal);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("portico.route", "r"), ("portico.backend", "b"), ("kind", "total")));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 402 && e.Message.Contains("Route r timed out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttemptTimeout_FirstAttemptHangs_AbandonedAndRetried()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Hang(aborted), Faults.Ok("second attempt")));
        await using var gateway = await StartAsync(backend, """{ "timeout": "20s", "attemptTimeout": "200ms", "retry": { "delay": "10ms" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var request = SendAsync(gateway, "/r/x");
        await backend.ReceivedAsync(1);
        _clock.Advance(TimeSpan.FromMilliseconds(200)); // the first attempt's own limit; the route's 20 s are far off
        var (answer, backoffs) = await _clock.PlayAsync(request, IsBackoff);
        using var response = answer;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second attempt", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Count);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("kind", "attempt")));
        Assert.Equal(1, metrics.Sum("portico.resilience.retries", ("reason", "timeout")));
        Assert.Single(backoffs);
    }

    [Fact]
    public async Task ClientDisconnects_BackendCallIsCancelled()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            entered.TrySetResult();
            await Faults.Hang(aborted)(context);
        });
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, services: _clock.AddTo);

        using var leave = new CancellationTokenSource();
        var request = gateway.Client.GetAsync("/r/x", leave.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // On the test clock no timeout (30 s by default) can fire: only the client leaving lets go of the backend.
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Timeout_ActivityTimeoutShorter_StillAnswers504()
    {
        // On the real clock: YARP's activity timeout runs on its own timer, which no TimeProvider drives.
        await using var backend = await TestBackend.StartAsync(Faults.Hang());
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "backend": "b", "activityTimeout": "300ms", "resilience": { "retry": { "maxAttempts": 1 } } } ]
        }
        """);

        using var response = await gateway.Client.GetAsync("/r");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "gateway-timeout");
    }

    [Fact]
    public async Task Timeout_ElapsesDuringRetryBackoff_Answers504WithoutAnotherAttempt()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await StartAsync(backend, """{ "timeout": "400ms", "retry": { "maxAttempts": 3, "delay": "1m", "maxDelay": "1m" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var request = SendAsync(gateway, "/r/x");
        // The only wait a request sets; the registry's reload wait (5 s) may be set at any moment too and is not it.
        var backoff = (await _clock.NextTimerAsync(timer => timer.IsWait && timer.Due != RegistryReloadWait).WaitAsync(TimeSpan.FromSeconds(30))).Due;
        Assert.True(backoff > TimeSpan.FromMilliseconds(400), $"a backoff of {backoff} is not longer than the route's timeout");
        // The first 503 is retriable, but the backoff outlasts the route's timeout: 504, and no second call.
        await TimesOutAsync(request, TimeSpan.FromMilliseconds(400));
        Assert.Equal(1, backend.Count);
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("kind", "total")));
    }

    [Fact]
    public async Task AttemptTimeout_EveryAttemptHangs_Answers504AfterTheLastAttempt()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Hang());
        await using var gateway = await StartAsync(backend, """{ "timeout": "20s", "attemptTimeout": "150ms", "retry": { "maxAttempts": 2, "delay": "10ms" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var request = SendAsync(gateway, "/r/x");
        await backend.ReceivedAsync(1);
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        _clock.Advance((await _clock.NextTimerAsync(IsBackoff).WaitAsync(TimeSpan.FromSeconds(30))).Due);
        await backend.ReceivedAsync(2);
        await TimesOutAsync(request, TimeSpan.FromMilliseconds(150));
        Assert.Equal(2, backend.Count);
        Assert.Equal(2, metrics.Sum("portico.resilience.timeouts", ("kind", "attempt")));
        Assert.Equal(0, metrics.Sum("portico.resilience.timeouts", ("kind", "total")));
    }
}
