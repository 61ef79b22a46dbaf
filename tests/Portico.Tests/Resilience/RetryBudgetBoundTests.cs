using System.Diagnostics;
using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>With the backend failing every call, retries never multiply the outage: calls ≤ (1 + budget) × requests.</summary>
public sealed class RetryBudgetBoundTests
{
    private const int Requests = 200;

    [Fact]
    public async Task Budget_BackendAlwaysFailing_BackendSeesAtMostOnePointTwoTimesTheRequests()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url,
            """{ "retry": { "maxAttempts": 5, "delay": "0ms" } }""",
            """{ "retryBudget": { "ratio": 0.2, "minRetriesPerSecond": 0 }, "circuitBreaker": { "enabled": false } }""");
        using var metrics = new MetricRecorder(gateway.Services);

        await SendConcurrentlyAsync(gateway.Client, Requests);

        Assert.True(backend.Count <= Requests * 1.2, $"the backend saw {backend.Count} calls for {Requests} requests");
        // Retries did happen (the budget is not simply zero), and the refusals were counted.
        Assert.True(backend.Count >= Requests * 1.15, $"only {backend.Count} calls: the budget was not used");
        Assert.True(metrics.Sum("portico.resilience.retry_budget.exhausted", ("portico.backend", "b")) > 0);
    }

    [Fact]
    public async Task Budget_DefaultAllowance_BoundIncludesOneRetryPerSecond()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "retry": { "maxAttempts": 5, "delay": "0ms" } }""", """{ "circuitBreaker": { "enabled": false } }""");

        var clock = Stopwatch.StartNew();
        await SendConcurrentlyAsync(gateway.Client, Requests);
        var seconds = Math.Ceiling(clock.Elapsed.TotalSeconds);

        // Default budget: 20% of requests plus the allowance of one retry per second (one saved at start).
        var bound = (Requests * 1.2) + seconds + 1;
        Assert.True(backend.Count <= bound, $"the backend saw {backend.Count} calls for {Requests} requests in {seconds} s (bound {bound})");
    }

    private static async Task SendConcurrentlyAsync(HttpClient client, int requests)
    {
        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                using var response = await client.GetAsync("/r/x");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
        })));
    }
}
