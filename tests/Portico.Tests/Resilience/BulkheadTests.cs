using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>A backend's bulkhead: a few calls in flight, a bounded queue, and a quick 503 beyond it.</summary>
public sealed class BulkheadTests
{
    [Fact]
    public async Task Bulkhead_FullWithQueueFull_Answers503WithRetryAfterAndQueuedRequestsComplete()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inBackend = 0;
        var twoInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref inBackend) == 2)
            {
                twoInside.TrySetResult();
            }

            await Faults.WaitFor(release.Task)(context);
        });
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url, """{ "retry": { "maxAttempts": 1 } }""", """{ "bulkhead": { "maxConcurrency": 2, "queueLimit": 1 } }""",
            settings: new Dictionary<string, string?> { ["Logging:LogLevel:Portico.Resilience"] = "Debug" }); // event 408 is Debug
        using var metrics = new MetricRecorder(gateway.Services);

        var first = gateway.Client.GetAsync("/r/1");
        var second = gateway.Client.GetAsync("/r/2");
        await twoInside.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var queued = gateway.Client.GetAsync("/r/3");
        Assert.True(await Eventually.TrueAsync(() => gateway.Services.GetBulkhead("b").Queued == 1, TimeSpan.FromSeconds(20)));

        using (var refused = await gateway.Client.GetAsync("/r/4"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            await ProblemAssert.ReadAsync(refused, "backend-busy");
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
        }

        Assert.Equal(2, backend.Count); // the refused and the queued request did not reach the backend yet
        release.SetResult();
        foreach (var pending in new[] { first, second, queued })
        {
            using var response = await pending;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, backend.Count);
        Assert.Equal(1, metrics.Sum("portico.resilience.rejections", ("portico.route", "r"), ("portico.backend", "b"), ("reason", "bulkhead")));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 408);
    }
}
