using System.Diagnostics;
using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>Route and attempt timeouts answer 504 and cancel the backend call; a client that leaves cancels it too.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task Timeout_BackendNeverAnswers_Answers504AndCancelsTheBackendCall()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(Faults.Hang(aborted));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, """{ "timeout": "300ms", "retry": { "maxAttempts": 1 } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Client.GetAsync("/r/slow");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "gateway-timeout");
        Assert.DoesNotContain("127.0.0.1", problem.ToString(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("portico.route", "r"), ("portico.backend", "b"), ("kind", "total")));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 402 && e.Message.Contains("Route r timed out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttemptTimeout_FirstAttemptHangs_AbandonedAndRetried()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(Faults.Sequence(Faults.Hang(aborted), Faults.Ok("second attempt")));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "timeout": "20s", "attemptTimeout": "200ms", "retry": { "delay": "10ms" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/r/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second attempt", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Count);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("kind", "attempt")));
        Assert.Equal(1, metrics.Sum("portico.resilience.retries", ("reason", "timeout")));
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
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url);

        using var leave = new CancellationTokenSource();
        var request = gateway.Client.GetAsync("/r/x", leave.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // The gateway let go of the backend long before any timeout (30 s by default) could.
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Timeout_ActivityTimeoutShorter_StillAnswers504()
    {
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
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "timeout": "400ms", "retry": { "maxAttempts": 3, "delay": "1m", "maxDelay": "1m" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Client.GetAsync("/r/x");

        // The first 503 is retriable, but the backoff outlasts the route's timeout: 504, and no second call.
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "gateway-timeout");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, backend.Count);
        Assert.Equal(1, metrics.Sum("portico.resilience.timeouts", ("kind", "total")));
    }

    [Fact]
    public async Task AttemptTimeout_EveryAttemptHangs_Answers504AfterTheLastAttempt()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Hang());
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "timeout": "20s", "attemptTimeout": "150ms", "retry": { "maxAttempts": 2, "delay": "10ms" } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/r/x");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "gateway-timeout");
        Assert.Equal(2, backend.Count);
        Assert.Equal(2, metrics.Sum("portico.resilience.timeouts", ("kind", "attempt")));
        Assert.Equal(0, metrics.Sum("portico.resilience.timeouts", ("kind", "total")));
    }
}
