using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Polly.CircuitBreaker;
using Portico.Observability;
using Portico.Tests.Infrastructure;
using Portico.Tests.Resilience;

namespace Portico.Tests.Observability;

/// <summary>
/// Issue 23: once the status line is sent, a response broken mid-body still reaches the client as a truncated
/// 200 (nothing else can be said any more), but the gateway's own records tell the truth: the access log's
/// outcome and bytes, the request metric's <c>error.type</c>, and the backend's circuit breaker, which counts a
/// backend that resets mid-body as failing.
/// </summary>
public sealed class BrokenResponseTests : IAsyncLifetime
{
    private const int Declared = 100_000;
    private const int Sent = 1_000;

    private readonly TaskCompletionSource _clientGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _reset = new(0);
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private MetricRecorder _metrics = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentLength = Declared;
            await context.Response.Body.WriteAsync(new byte[Sent]);
            await context.Response.Body.FlushAsync();
            if (context.Request.Path.StartsWithSegments("/slow"))
            {
                // Keeps the body open until the gateway gives up on it (its client went away).
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    _clientGone.TrySetResult();
                }

                return;
            }

            // Reset mid-body once the client has the status line and the first bytes (a reset that overtook them
            // would be a connection failure before the response, a plain 502).
            await _reset.WaitAsync(TimeSpan.FromSeconds(30));
            context.Features.GetRequiredFeature<IHttpRequestLifetimeFeature>().Abort();
        });
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}",
            "resilience": { "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 2, "samplingDuration": "5m", "breakDuration": "5m" } } } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "b", "resilience": { "retry": { "maxAttempts": 1 } } } ]
        }
        """);
        _metrics = new MetricRecorder(_gateway.Services);
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Response_BackendResetsMidBody_RecordedAsUpstreamAbortedAndCountedByTheBreaker()
    {
        for (int i = 0; i < 2; i++)
        {
            await GetResetMidBodyAsync();
        }

        var entries = await AccessLogAsync(2);
        Assert.All(entries, e =>
        {
            Assert.Equal(200, e["StatusCode"]);
            Assert.Equal("upstream-aborted", e["Outcome"]);
            Assert.InRange((long)e["BytesOut"]!, 1, Declared - 1);
        });
        Assert.Equal(2, _metrics.Sum("portico.requests", ("portico.route", "r"), ("error.type", "upstream-aborted")));

        // Two broken responses of two calls reach the breaker's failure ratio: the next request is refused.
        Assert.Equal(CircuitState.Open, _gateway.Services.Backend("b").CircuitState);
        using var refused = await _gateway.Client.GetAsync("/reset");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Response_ClientLeavesMidBody_RecordedAsClientAbortedNotABackendFailure()
    {
        using (var response = await _gateway.Client.GetAsync("/slow", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync();
            Assert.True(await stream.ReadAsync(new byte[100]) > 0);
        }

        _gateway.Client.CancelPendingRequests();
        await _clientGone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var entry = Assert.Single(await AccessLogAsync(1));
        Assert.Equal("client-aborted", entry["Outcome"]);
        Assert.Equal(1, _metrics.Sum("portico.requests", ("portico.route", "r"), ("error.type", "client-aborted")));
        Assert.Equal(CircuitState.Closed, _gateway.Services.Backend("b").CircuitState);
    }

    [Fact]
    public async Task Response_Complete_OutcomeCompletedWithoutErrorType()
    {
        await GetResetMidBodyAsync();
        var entry = Assert.Single(await AccessLogAsync(1));
        Assert.Equal("upstream-aborted", entry["Outcome"]); // the control for the rest: a real reset is seen as one

        await using var whole = await TestBackend.StartAsync(context => context.Response.WriteAsync("whole"));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        { "backends": [ { "id": "w", "url": "{{whole.Url}}" } ], "routes": [ { "id": "w", "auth": "anonymous", "match": { "path": "/w" }, "backend": "w" } ] }
        """);
        using var metrics = new MetricRecorder(gateway.Services);
        Assert.Equal("whole", await gateway.Client.GetStringAsync("/w"));
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.Category == AccessLog.Category), TimeSpan.FromSeconds(10)));
        var log = gateway.Logs.Entries.Single(e => e.Category == AccessLog.Category).State.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("completed", log["Outcome"]);
        Assert.Equal(5L, log["BytesOut"]);
        Assert.DoesNotContain(metrics.Of("portico.requests"), m => m.Tags.ContainsKey("error.type"));
    }

    private async Task GetResetMidBodyAsync()
    {
        using var response = await _gateway.Client.GetAsync("/reset", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the status line went out before the body broke
        var body = await response.Content.ReadAsStreamAsync();
        Assert.True(await body.ReadAsync(new byte[100]) > 0);
        _reset.Release();
        await Assert.ThrowsAnyAsync<Exception>(() => body.CopyToAsync(Stream.Null));
    }

    private async Task<List<Dictionary<string, object?>>> AccessLogAsync(int count)
    {
        Assert.True(
            await Eventually.TrueAsync(() => _gateway.Logs.Entries.Count(e => e.Category == AccessLog.Category) >= count, TimeSpan.FromSeconds(30)),
            "no access log entry");
        return [.. _gateway.Logs.Entries.Where(e => e.Category == AccessLog.Category).Select(e => e.State.ToDictionary(kv => kv.Key, kv => kv.Value))];
    }
}
