using System.Net;
using Microsoft.Extensions.Logging;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Each part call goes through its backend's resilience pipeline, as a proxied request does: a failed idempotent
/// call is retried, a POST is not, and an open circuit answers for the backend without calling it.
/// </summary>
public sealed class AggregateResilienceTests
{
    [Fact]
    public async Task Aggregate_GetPartAnswers503Once_RetriedAndTheAnswerIsComplete()
    {
        var calls = 0;
        await using var flaky = await TestBackend.StartAsync(context =>
            Interlocked.Increment(ref calls) == 1 ? JsonHandlers.WriteAsync(context, """{"error":"warming up"}""", 503) : JsonHandlers.WriteAsync(context, """{"id":"42"}"""));
        await using var gateway = await StartAsync(flaky, """{ "name": "profile", "backend": "b", "path": "/p" }""");

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"profile":{"id":"42"}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, flaky.Count);
    }

    [Fact]
    public async Task Aggregate_PostPartAnswers503_NotRetriedAndTheRequiredPartFails()
    {
        await using var busy = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"error":"busy"}""", 503));
        await using var gateway = await StartAsync(busy, """{ "name": "order", "backend": "b", "method": "POST", "path": "/orders", "body": { "sku": "x" } }""");

        using var response = await gateway.Client.GetAsync("/c");

        var problem = await ProblemAssert.ReadAsync(response, "part-failed");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("order", problem.GetProperty("part").GetString());
        Assert.Equal(1, busy.Count);
    }

    [Fact]
    public async Task Aggregate_PartBackendCircuitOpen_PartAnsweredWithoutCallingTheBackend()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var broken = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"error":"boom"}""", 500));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "good", "url": "{{good.Url}}" },
            { "id": "broken", "url": "{{broken.Url}}",
              "resilience": { "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 2, "samplingDuration": "1m", "breakDuration": "1m" } } }
          ],
          "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" }, "aggregate": { "parts": [
            { "name": "profile", "backend": "good", "path": "/p" },
            { "name": "extras", "backend": "broken", "path": "/x", "optional": true }
          ] } } ]
        }
        """, new Dictionary<string, string?> { ["Logging:LogLevel:Portico.Aggregation"] = "Debug" }); // event 54 is Debug

        // Two failures open the circuit (500 is a breaker failure and not retried).
        for (int i = 0; i < 2; i++)
        {
            using var failing = await gateway.Client.GetAsync("/c");
            Assert.Equal(HttpStatusCode.OK, failing.StatusCode);
        }

        Assert.Equal(2, broken.Count);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 403);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"profile":{"id":"42"},"_portico":{"partial":true,"failed":["extras"]}}""" + "\n",
            await response.Content.ReadAsStringAsync());
        Assert.Equal(2, broken.Count);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 54 && e.Level == LogLevel.Debug && e.Exception is null && e.Message.Contains("circuit is open", StringComparison.Ordinal));
    }

    private static Task<GatewayHost> StartAsync(TestBackend backend, string parts) =>
        GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" }, "aggregate": { "parts": [ {{parts}} ] } } ]
        }
        """);
}
