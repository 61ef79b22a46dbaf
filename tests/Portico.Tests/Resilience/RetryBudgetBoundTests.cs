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
        // On a test clock the allowance's refill is exact: one retry saved at start, and a long quiet spell in the
        // middle refills at most one second's worth (one retry).
        var clock = new TestClock();
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "retry": { "maxAttempts": 5, "delay": "0ms" } }""", """{ "circuitBreaker": { "enabled": false } }""", clock.AddTo);

        await SendConcurrentlyAsync(gateway.Client, Requests / 2);
        clock.Advance(TimeSpan.FromMinutes(10));
        await SendConcurrentlyAsync(gateway.Client, Requests / 2);

        // Default budget: 20% of requests plus the allowance. The first failure comes before five requests have paid
        // for a retry, so the allowance saved at start is spent: at least one retry more than the ratio alone funds.
        const int RatioFunded = Requests / 5;
        Assert.InRange(backend.Count, Requests + RatioFunded + 1, Requests + RatioFunded + 2);
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
