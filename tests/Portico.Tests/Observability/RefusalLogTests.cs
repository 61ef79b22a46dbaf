using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portico.Observability;
using Portico.Tests.Infrastructure;
using Portico.Tests.Resilience;

namespace Portico.Tests.Observability;

/// <summary>
/// Issue 23: a refusal is an expected outcome, and under attack there are as many as the attacker sends. With the
/// default log levels, each kind of refusal (open circuit, full bulkhead, load shedding, rate limit, a missing
/// credential, a composite route whose part is refused) writes nothing above Debug per request, and never a stack:
/// the access log line (one per request by design) and the metrics are its record.
/// </summary>
public sealed class RefusalLogTests : IAsyncLifetime
{
    private const int Refusals = 20;

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrivals = new(0);
    private TestBackend _down = null!;
    private TestBackend _slow = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _down = await TestBackend.StartAsync(Faults.Status(503));
        _slow = await TestBackend.StartAsync(async context =>
        {
            _arrivals.Release();
            await _release.Task;
            await context.Response.WriteAsync("done");
        });
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "down", "url": "{{_down.Url}}", "resilience": { "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 2, "samplingDuration": "5m", "breakDuration": "5m" } } },
            { "id": "busy", "url": "{{_slow.Url}}", "resilience": { "bulkhead": { "maxConcurrency": 1, "queueLimit": 0 } } },
            { "id": "slow", "url": "{{_slow.Url}}" }
          ],
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
          "rateLimitPolicies": [ { "id": "one", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1h" } } ],
          "routes": [
            { "id": "circuit", "auth": "anonymous", "match": { "path": "/circuit" }, "backend": "down", "resilience": { "retry": { "maxAttempts": 1 } } },
            { "id": "composite", "auth": "anonymous", "match": { "path": "/composite" }, "aggregate": { "parts": [ { "name": "a", "backend": "down", "path": "/a" } ] } },
            { "id": "bulkhead", "auth": "anonymous", "match": { "path": "/bulkhead" }, "backend": "busy", "resilience": { "retry": { "maxAttempts": 1 } } },
            { "id": "shed", "auth": "anonymous", "match": { "path": "/shed" }, "backend": "slow", "maxConcurrentRequests": 1 },
            { "id": "limited", "auth": "anonymous", "match": { "path": "/limited" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["one"] } },
            { "id": "keyed", "auth": "keys", "match": { "path": "/keyed" }, "static": { "body": "ok" } }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _gateway.DisposeAsync();
        await _slow.DisposeAsync();
        await _down.DisposeAsync();
    }

    [Theory]
    [InlineData("/circuit", HttpStatusCode.ServiceUnavailable)]
    [InlineData("/composite", HttpStatusCode.BadGateway)]
    [InlineData("/bulkhead", HttpStatusCode.ServiceUnavailable)]
    [InlineData("/shed", HttpStatusCode.ServiceUnavailable)]
    [InlineData("/limited", HttpStatusCode.TooManyRequests)]
    [InlineData("/keyed", HttpStatusCode.Unauthorized)]
    public async Task Refusal_RepeatedWithDefaultLogLevels_NoLogBytesAboveDebugPerRequest(string path, HttpStatusCode refused)
    {
        var holding = await RefuseFromNowOnAsync(path);
        try
        {
            var before = _gateway.Logs.Entries.Count;
            for (int i = 0; i < Refusals; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("X-Client", "attacker");
                using var response = await _gateway.Client.SendAsync(request);
                Assert.Equal(refused, response.StatusCode);
            }

            var written = _gateway.Logs.Entries.Skip(before)
                .Where(e => e.Category != AccessLog.Category && e.Level > LogLevel.Debug)
                .ToList();
            var bytes = written.Sum(e => e.Message.Length + (e.Exception?.ToString().Length ?? 0));
            Assert.True(
                bytes / (double)Refusals == 0,
                $"{bytes / (double)Refusals:0} log bytes per refused request above Debug: "
                + string.Join(" | ", written.Take(3).Select(e => $"{e.Category} {e.Level} {e.EventId.Id} {e.Message} {e.Exception?.GetType().Name}")));
            Assert.Equal(Refusals, _gateway.Logs.Entries.Skip(before).Count(e => e.Category == AccessLog.Category)); // the per-request record
        }
        finally
        {
            _release.TrySetResult();
            foreach (var pending in holding)
            {
                using var done = await pending;
            }
        }
    }

    /// <summary>Brings the route of <paramref name="path"/> to where every further request is refused; returns requests held in flight.</summary>
    private async Task<List<Task<HttpResponseMessage>>> RefuseFromNowOnAsync(string path)
    {
        var holding = new List<Task<HttpResponseMessage>>();
        switch (path)
        {
            case "/circuit" or "/composite":
                for (int i = 0; i < 2; i++)
                {
                    using var failed = await _gateway.Client.GetAsync("/circuit"); // the backend's 503s open its circuit
                }

                break;
            case "/bulkhead" or "/shed":
                holding.Add(_gateway.Client.GetAsync(path));
                Assert.True(await _arrivals.WaitAsync(TimeSpan.FromSeconds(30)));
                break;
            case "/limited":
                using (var request = new HttpRequestMessage(HttpMethod.Get, path))
                {
                    request.Headers.Add("X-Client", "attacker");
                    using var first = await _gateway.Client.SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, first.StatusCode);
                }

                break;
        }

        return holding;
    }
}
