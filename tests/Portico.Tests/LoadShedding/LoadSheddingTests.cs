using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.LoadShedding;

/// <summary>Gateway-wide and per-route concurrency limits shed load with 503 and Retry-After instead of queueing.</summary>
public sealed class LoadSheddingTests : IAsyncLifetime
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrivals = new(0);
    private TestBackend _slow = null!;

    public async Task InitializeAsync() =>
        _slow = await TestBackend.StartAsync(async context =>
        {
            _arrivals.Release();
            await _release.Task;
            await context.Response.WriteAsync("done");
        });

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _slow.DisposeAsync();
    }

    private string Registry => $$"""
    {
      "backends": [ { "id": "slow", "url": "{{_slow.Url}}" } ],
      "routes": [
        { "id": "narrow", "auth": "anonymous", "match": { "path": "/narrow" }, "backend": "slow", "maxConcurrentRequests": 2 },
        { "id": "wide", "auth": "anonymous", "match": { "path": "/wide" }, "backend": "slow" },
        { "id": "fast", "auth": "anonymous", "match": { "path": "/fast" }, "static": { "body": "fast" } }
      ]
    }
    """;

    [Fact]
    public async Task Route_AtItsConcurrencyLimit_Sheds503WithRetryAfterAndOtherRoutesServe()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry);
        var inFlight = new[] { gateway.Client.GetAsync("/narrow"), gateway.Client.GetAsync("/narrow") };
        for (int i = 0; i < inFlight.Length; i++)
        {
            Assert.True(await _arrivals.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        using var shed = await gateway.Client.GetAsync("/narrow");
        using var fast = await gateway.Client.GetAsync("/fast");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        await ProblemAssert.ReadAsync(shed, "overloaded");
        Assert.Equal("1", shed.Headers.RetryAfter!.ToString());
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);

        _release.SetResult();
        foreach (var response in await Task.WhenAll(inFlight))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        using var after = await gateway.Client.GetAsync("/narrow");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Gateway_AtItsConcurrencyLimit_ShedsEveryRouteUntilRequestsFinish()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?>
        {
            ["Portico:LoadShedding:MaxConcurrentRequests"] = "1",
            ["Portico:LoadShedding:RetryAfter"] = "00:00:03",
        });
        var held = gateway.Client.GetAsync("/wide");
        Assert.True(await _arrivals.WaitAsync(TimeSpan.FromSeconds(30)));

        using var shed = await gateway.Client.GetAsync("/fast");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal("3", shed.Headers.RetryAfter!.ToString());
        await ProblemAssert.ReadAsync(shed, "overloaded");
        using var health = await gateway.Client.GetAsync("/_portico/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // Portico's own endpoints are never shed

        _release.SetResult();
        using var finished = await held;
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        using var fast = await gateway.Client.GetAsync("/fast");
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
    }

    [Fact]
    public async Task Route_ShedByTheRoute_GivesTheGatewaySlotBackAtOnce()
    {
        // Three gateway slots: two held by the narrow route's requests, one free. Every request the route sheds took a
        // gateway slot first; were it kept, the next request anywhere would be shed by the gateway.
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?>
        {
            ["Portico:LoadShedding:MaxConcurrentRequests"] = "3",
        });
        var held = new[] { gateway.Client.GetAsync("/narrow"), gateway.Client.GetAsync("/narrow") };
        for (int i = 0; i < held.Length; i++)
        {
            Assert.True(await _arrivals.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        await ThreeAnsweredThenFastServedAsync(gateway, "/narrow", HttpStatusCode.ServiceUnavailable, "overloaded");

        _release.SetResult();
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
    }

    [Fact]
    public async Task Gateway_RequestsTheBackendFails_GiveTheirSlotsBack()
    {
        // One gateway slot: a request that ends with the backend's failure (502) must give it back like one that succeeds.
        var closedPort = Azurite.FreePort();
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "gone", "url": "http://127.0.0.1:{{closedPort}}" } ],
          "routes": [
            { "id": "gone", "auth": "anonymous", "match": { "path": "/gone" }, "backend": "gone" },
            { "id": "fast", "auth": "anonymous", "match": { "path": "/fast" }, "static": { "body": "fast" } }
          ]
        }
        """, new Dictionary<string, string?> { ["Portico:LoadShedding:MaxConcurrentRequests"] = "1" });

        await ThreeAnsweredThenFastServedAsync(gateway, "/gone", HttpStatusCode.BadGateway, "bad-gateway");
    }

    /// <summary>Three requests to <paramref name="path"/> get the problem; then the static route still serves.</summary>
    private static async Task ThreeAnsweredThenFastServedAsync(GatewayHost gateway, string path, HttpStatusCode status, string problemType)
    {
        for (int i = 0; i < 3; i++)
        {
            using var answered = await gateway.Client.GetAsync(path);
            Assert.Equal(status, answered.StatusCode);
            await ProblemAssert.ReadAsync(answered, problemType);
        }

        using var fast = await gateway.Client.GetAsync("/fast");
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
        Assert.Equal("fast", await fast.Content.ReadAsStringAsync());
    }
}
