using System.Net;
using Portico.Resilience;
using Portico.Tests.Infrastructure;
using Portico.Tests.Resilience;

namespace Portico.Tests.Discovery;

/// <summary>A backend of several real destinations on loopback: spread, retries elsewhere, ejection, no healthy destination, affinity.</summary>
public sealed class ClusterProxyTests
{
    [Fact]
    public async Task Proxy_RoundRobinOverFourDestinations_EachReceivesExactlyAQuarterWithItsPathPrefix()
    {
        await using var backends = await Backends.StartAsync(4);
        await using var gateway = await ClusterGateway.StartAsync(backends.Urls.Select((url, i) => url + "/base" + i), """ "loadBalancing": { "policy": "roundRobin" } """);

        for (var i = 0; i < 200; i++)
        {
            var response = await RawHttp.SendAsync(gateway.Url, $"GET /r/items/{i}%2Fx?q=%41 HTTP/1.1\nConnection: close");
            Assert.Equal(200, response.Status);
        }

        for (var b = 0; b < 4; b++)
        {
            Assert.Equal(50, backends[b].Count);
            // Each destination's path prefix, then the target exactly as the client wrote it.
            Assert.All(backends[b].Requests, r => Assert.Matches($"^/base{b}/r/items/[0-9]+%2Fx\\?q=%41$", r.RawTarget));
        }
    }

    [Fact]
    public async Task Proxy_DefaultPolicyUnderConcurrentLoad_EveryDestinationGetsItsShareWithinFortyPercent()
    {
        await using var backends = await Backends.StartAsync(4);
        await using var gateway = await ClusterGateway.StartAsync(backends.Urls);

        // 400 requests, 8 at a time. Tolerance: ±40 of the expected 100 each, more than four standard deviations.
        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var response = await gateway.Client.GetAsync($"/r/{i}", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        Assert.Equal(400, backends.All.Sum(b => b.Count));
        Assert.All(backends.All, b => Assert.InRange(b.Count, 60, 140));
    }

    [Fact]
    public async Task Retry_DestinationAnswers503_TheRetryGoesToAnotherDestinationUntilTheFailingOneIsEjected()
    {
        await using var failing = await TestBackend.StartAsync(Faults.Status(503));
        await using var healthy = await TestBackend.StartAsync();
        await using var gateway = await ClusterGateway.StartAsync(
            [failing.Url, healthy.Url],
            """ "loadBalancing": { "policy": "roundRobin" }, "resilience": { "retryBudget": { "ratio": 1 } } """,
            """{ "retry": { "maxAttempts": 2, "statusCodes": [503], "delay": "0s" } }""");

        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.Client.GetAsync($"/r/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Round robin sends every first attempt to the failing destination until its fifth failure in a row ejects it;
        // each retry went to the other one.
        Assert.Equal(5, failing.Count);
        Assert.Equal(20, healthy.Count);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 2500 && e.Message.Contains(failing.Url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_AffinityKeyOnAFailingDestination_TheRetryStillGoesToAnotherOne()
    {
        await using var failing = await TestBackend.StartAsync(Faults.Status(503));
        await using var healthy = await TestBackend.StartAsync();
        await using var gateway = await ClusterGateway.StartAsync(
            [failing.Url, healthy.Url],
            """ "loadBalancing": { "policy": "consistentHash", "hashOn": "header", "header": "X-User" }, "health": { "passive": { "enabled": false } }, "resilience": { "retryBudget": { "ratio": 1 }, "circuitBreaker": { "enabled": false } } """,
            """{ "retry": { "maxAttempts": 2, "statusCodes": [503], "delay": "0s" } }""");

        for (var user = 0; user < 30; user++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/r/x");
            request.Headers.Add("X-User", "user-" + user);
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Every key hashed to the failing destination was retried on the other (the hash alone would pick the same one again).
        Assert.InRange(failing.Count, 5, 25);
        Assert.Equal(30, healthy.Count);
        Assert.Equal(failing.Requests.Select(r => r.Headers["X-User"]).Order(), healthy.Requests.Select(r => r.Headers["X-User"]).Where(u => failing.Requests.Any(f => f.Headers["X-User"] == u)).Order());
    }

    [Fact]
    public async Task Proxy_DestinationDown_IsEjectedAfterFiveFailuresAndNoLongerCalled()
    {
        var dead = await ClusterGateway.DeadUrlAsync();
        await using var backends = await Backends.StartAsync(3);
        await using var gateway = await ClusterGateway.StartAsync([dead, .. backends.Urls], "", """{ "retry": { "maxAttempts": 1 } }""");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            using var response = await gateway.Client.GetAsync($"/r/{i}");
            statuses.Add(response.StatusCode);
        }

        // Without retries the client sees each failed attempt: at most the five that eject the destination.
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(295, statuses.Count(s => s == HttpStatusCode.OK));
        var lastFailure = statuses.LastIndexOf(HttpStatusCode.BadGateway);
        Assert.All(statuses.Skip(lastFailure + 1), s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Proxy_EveryDestinationEjected_Answers503NoHealthyDestinationWithRetryAfter()
    {
        var dead = new[] { await ClusterGateway.DeadUrlAsync(), await ClusterGateway.DeadUrlAsync() };
        await using var gateway = await ClusterGateway.StartAsync(
            dead,
            """ "health": { "passive": { "consecutiveFailures": 1, "maxEjectedPercent": 100, "baseEjectionTime": "30s" } } """,
            """{ "retry": { "maxAttempts": 1 } }""");

        for (var i = 0; i < 2; i++)
        {
            using var failed = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        for (var i = 0; i < 25; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "no-healthy-destination");
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
        }

        // Not the backend's failure: 25 refusals would have opened its circuit (20 calls, half failed) had they counted.
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Closed, gateway.Services.Backend("b").CircuitState);
    }

    [Fact]
    public async Task Proxy_EveryDestinationEjectedAndFailOpen_StillSendsToThem()
    {
        await using var a = await TestBackend.StartAsync(Faults.Status(503));
        await using var b = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ClusterGateway.StartAsync(
            [a.Url, b.Url],
            """ "health": { "passive": { "consecutiveFailures": 1, "maxEjectedPercent": 100 }, "failOpen": true }, "resilience": { "circuitBreaker": { "enabled": false } } """,
            """{ "retry": { "maxAttempts": 1 } }""");

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType); // the backends' own answer
        }

        Assert.Equal(10, a.Count + b.Count);
    }

    [Fact]
    public async Task Fallback_FromAClusterToABackend_SendsTheClientsTargetWithoutTheDestinationsPath()
    {
        await using var failing = await TestBackend.StartAsync(Faults.Status(503));
        await using var fallback = await TestBackend.StartAsync();
        var registry = ClusterGateway.Registry([failing.Url + "/base"], "", """{ "retry": { "maxAttempts": 1 }, "fallback": { "backend": "spare", "statusCodes": [503] } }""")
            .Replace("\"backends\": [", "\"backends\": [ { \"id\": \"spare\", \"url\": \"" + fallback.Url + "/spare\" },", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry);

        var response = await RawHttp.SendAsync(gateway.Url, "GET /r/a%2Fb?q=%41 HTTP/1.1\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Equal("/base/r/a%2Fb?q=%41", failing.LastRequest.RawTarget);
        Assert.Equal("/spare/r/a%2Fb?q=%41", fallback.LastRequest.RawTarget);
    }

    [Fact]
    public async Task ConsistentHash_OnAHeader_EachKeyStaysOnOneDestination()
    {
        await using var backends = await Backends.StartAsync(4);
        await using var gateway = await ClusterGateway.StartAsync(backends.Urls, """ "loadBalancing": { "policy": "consistentHash", "hashOn": "header", "header": "X-User" } """);

        for (var round = 0; round < 5; round++)
        {
            for (var user = 0; user < 40; user++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/r/x");
                request.Headers.Add("X-User", "user-" + user);
                using var response = await gateway.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        var destinationsPerUser = backends.All
            .SelectMany((backend, index) => backend.Requests.Select(r => (User: r.Headers["X-User"], index)))
            .GroupBy(r => r.User)
            .ToDictionary(g => g.Key, g => g.Select(r => r.index).Distinct().Count());
        Assert.Equal(40, destinationsPerUser.Count);
        Assert.All(destinationsPerUser.Values, count => Assert.Equal(1, count));
        Assert.True(backends.All.Count(b => b.Count > 0) >= 3, "40 keys should spread over at least three of four destinations");
    }

    /// <summary>Several test backends, disposed together.</summary>
    private sealed class Backends : IAsyncDisposable
    {
        private Backends(TestBackend[] all) => All = all;

        public TestBackend[] All { get; }

        public IEnumerable<string> Urls => All.Select(b => b.Url);

        public TestBackend this[int index] => All[index];

        public static async Task<Backends> StartAsync(int count)
        {
            var all = new TestBackend[count];
            for (var i = 0; i < count; i++)
            {
                all[i] = await TestBackend.StartAsync();
            }

            return new Backends(all);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var backend in All)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
