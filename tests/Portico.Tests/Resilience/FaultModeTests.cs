using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>The remaining fault modes: a backend that dies mid-body, one that answers slowly, one that flaps.</summary>
public sealed class FaultModeTests
{
    [Fact]
    public async Task BackendDiesMidBody_NotRetriedAndNeverATruncatedSuccess()
    {
        var headersSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("only part of it");
            await context.Response.Body.FlushAsync();
            await headersSeen.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the client has the headers: the answer has started
            context.Abort();
        });
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, """{ "retry": { "delay": "10ms" } }""", """{ "retryBudget": { "minRetriesPerSecond": 100 } }""");

        using var response = await gateway.Client.GetAsync("/r/x", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        headersSeen.SetResult();

        // Once the response has started nothing can be retried: the only honest signal left is an aborted body.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task SlowBody_LongerThanTheTimeout_StillDeliveredWhileBytesFlow()
    {
        // The route timeout bounds the wait for headers, not the download: once the client has the headers and a first
        // slice, the clock moves ten times past the timeout before the backend sends the rest.
        var clock = new TestClock();
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            await context.Response.StartAsync();
            await context.Response.WriteAsync(new string('0', 100));
            await context.Response.Body.FlushAsync();
            await rest.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync(new string('1', 100));
        });
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, """{ "timeout": "100ms", "retry": { "maxAttempts": 1 } }""", services: clock.AddTo);

        using var response = await gateway.Client.GetAsync("/r/download", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        clock.Advance(TimeSpan.FromSeconds(1));
        rest.SetResult();

        Assert.Equal(new string('0', 100) + new string('1', 100), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FlappingBackend_EveryOtherCallFails_RetriesHideItFromClients()
    {
        int calls = 0;
        await using var backend = await TestBackend.StartAsync(context =>
        {
            var n = Interlocked.Increment(ref calls);
            context.Response.StatusCode = n % 2 == 1 ? 503 : 200;
            return context.Response.WriteAsync("flap");
        });
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url,
            """{ "retry": { "maxAttempts": 3, "delay": "0ms" } }""",
            """{ "retryBudget": { "ratio": 1 }, "circuitBreaker": { "failureRatio": 0.9, "minimumThroughput": 10 } }""");

        for (int i = 0; i < 40; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(80, backend.Count);
    }
}
