using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portico.Resilience;
using Portico.Resilience.Fallbacks;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>Route fallbacks: a fixed response, another backend, and the stale-if-error hook a cache plugs into.</summary>
public sealed class FallbackTests
{
    private const string NoRetry = "\"retry\": { \"maxAttempts\": 1 }";

    [Fact]
    public async Task Fallback_StaticOnBackendFailureStatus_AnswersTheFixedResponse()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, $$"""
            { {{NoRetry}}, "fallback": { "static": { "status": 200, "headers": { "X-Fallback": "static" }, "json": { "items": [] } } } }
            """);
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/r/items");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"items\":[]}\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("static", response.Headers.GetValues("X-Fallback").Single());
        Assert.Equal(1, metrics.Sum("portico.resilience.fallbacks", ("portico.route", "r"), ("portico.backend", "b"), ("kind", "static")));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 410);
    }

    [Fact]
    public async Task Fallback_StatusNotInItsList_BackendAnswerPassesThrough()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(404));
        await using var gateway = await ResilienceGateway.StartAsync(backend.Url, $$"""
            { {{NoRetry}}, "fallback": { "static": { "body": "fallback" } } }
            """);

        using var response = await gateway.Client.GetAsync("/r/items");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("backend says 404", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fallback_BackendUnreachable_SameRequestGoesToTheFallbackBackend()
    {
        await using var spare = await TestBackend.StartAsync(TestBackend.Echo);
        var closedPort = Azurite.FreePort();
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "primary", "url": "http://127.0.0.1:{{closedPort}}/api" },
            { "id": "spare", "url": "{{spare.Url}}/mirror" }
          ],
          "routes": [
            { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "primary",
              "resilience": { {{NoRetry}}, "fallback": { "backend": "spare" } } }
          ]
        }
        """);

        using var response = await gateway.Client.PutAsync("/r/doc/7?v=2", new StringContent("payload"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(spare.Requests);
        Assert.Equal("PUT", received.Method);
        Assert.Equal("/mirror/r/doc/7", received.Path);
        Assert.Equal("?v=2", received.Query);
        Assert.Equal("7", received.Header("Content-Length"));
    }

    [Fact]
    public async Task Fallback_CircuitOpen_AnswersTheFallbackWithoutCallingTheBackend()
    {
        await using var backend = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url,
            $$"""{ {{NoRetry}}, "fallback": { "static": { "status": 200, "body": "cached copy" } } }""",
            """{ "circuitBreaker": { "minimumThroughput": 2, "breakDuration": "5m" } }""");

        for (int i = 0; i < 2; i++)
        {
            using var failed = await gateway.Client.GetAsync("/r/x");
            Assert.Equal("cached copy", await failed.Content.ReadAsStringAsync());
        }

        using var response = await gateway.Client.GetAsync("/r/x");

        Assert.Equal("cached copy", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Fallback_StaleSourceRegistered_ServesTheStaleResponseFirst()
    {
        var source = new RecordingStaleSource();
        await using var backend = await TestBackend.StartAsync(Faults.Status(502));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url,
            $$"""{ {{NoRetry}}, "fallback": { "static": { "body": "static" } } }""",
            services: services => services.AddSingleton<IStaleResponseSource>(source));
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/r/items?page=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("stale", await response.Content.ReadAsStringAsync());
        var asked = Assert.Single(source.Requests);
        Assert.Equal("r", asked.RouteId);
        Assert.Equal("b", asked.BackendId);
        Assert.Equal(502, asked.FailedStatus);
        Assert.EndsWith("/r/items?page=1", asked.Request.RequestUri!.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, metrics.Sum("portico.resilience.fallbacks", ("kind", "stale")));
    }

    [Fact]
    public async Task Fallback_StaleSourceHasNothing_ConfiguredFallbackAnswers()
    {
        var source = new RecordingStaleSource { Answer = false };
        await using var backend = await TestBackend.StartAsync(Faults.Status(502));
        await using var gateway = await ResilienceGateway.StartAsync(
            backend.Url,
            $$"""{ {{NoRetry}}, "fallback": { "static": { "body": "static" } } }""",
            services: services => services.AddSingleton<IStaleResponseSource>(source));

        using var response = await gateway.Client.GetAsync("/r/items");

        Assert.Equal("static", await response.Content.ReadAsStringAsync());
        Assert.Single(source.Requests);
    }

    private sealed class RecordingStaleSource : IStaleResponseSource
    {
        public List<StaleResponseRequest> Requests { get; } = [];

        public bool Answer { get; init; } = true;

        public ValueTask<HttpResponseMessage?> GetStaleResponseAsync(StaleResponseRequest request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            return new ValueTask<HttpResponseMessage?>(Answer ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("stale") } : null);
        }
    }
}
