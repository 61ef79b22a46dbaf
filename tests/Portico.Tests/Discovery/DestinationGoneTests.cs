using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Admin;
using Portico.Tests.Aggregation;
using Portico.Tests.Resilience;
using Portico.Tests.Discovery.Sources;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>
/// A request whose destination is no longer one of its backend's (it left between an attempt and the next one: a
/// deregistration, a retry copy carrying an older address) is sent to one of the current destinations, never failed
/// with an exception; the path after the gone destination's address is what travels on.
/// </summary>
public sealed class DestinationGoneTests
{
    [Fact]
    public async Task Retry_ThreeAttemptsOverTwoFailingDestinations_EachAttemptIsSentAndTheBackendsStatusReturns()
    {
        await using var a = await TestBackend.StartAsync(Faults.Status(503));
        await using var b = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await ClusterGateway.StartAsync(
            [a.Url + "/base", b.Url + "/base"], """ "loadBalancing": { "policy": "roundRobin" }, "resilience": { "retryBudget": { "minRetriesPerSecond": 10 } } """,
            """{ "retry": { "maxAttempts": 3, "statusCodes": [503], "delay": "0s" } }""");

        using var response = await gateway.Client.GetAsync("/r/x?q=1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode); // the backend's own answer, after three attempts
        Assert.Equal(3, a.Count + b.Count);
        Assert.All(a.Requests.Concat(b.Requests), r => Assert.Equal("/base/r/x?q=1", r.RawTarget));
    }

    [Fact]
    public async Task Retry_ProxiedRequestsDestinationDeregisteredBeforeItsRetries_TheRetriesGoToTheRemainingOne()
    {
        var key = AdminTestKit.NewKey();
        var leave = new LeavingDestination();
        await using var leaving = await TestBackend.StartAsync(leave.Handler);
        await using var staying = await TestBackend.StartAsync(Faults.Status(503));
        await using var gateway = await GatewayHost.StartWithFileAsync(
            RegistrationGateway.Registry()
                .Replace("\"backend\": \"b\" }", "\"backend\": \"b\", \"resilience\": { \"retry\": { \"maxAttempts\": 3, \"statusCodes\": [503], \"delay\": \"0s\" } } }", StringComparison.Ordinal)
                .Replace(RoundRobin, RoundRobin + ", \"resilience\": { \"retryBudget\": { \"minRetriesPerSecond\": 10 } }", StringComparison.Ordinal),
            AdminTestKit.KeySettings(key));
        await MoveOnFirstRequestAsync(gateway, key, leave, leaving, staying);

        using var response = await gateway.Client.GetAsync("/r/x?q=1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, leaving.Count); // the first attempt, before it left
        Assert.Equal(2, staying.Count); // both retries, on the one that stayed
        Assert.All(staying.Requests, r => Assert.Equal("/base/r/x?q=1", r.RawTarget));
    }

    [Fact]
    public async Task Retry_CompositePartsDestinationDeregisteredBeforeItsRetry_TheRetryGoesToTheRemainingOne()
    {
        var key = AdminTestKit.NewKey();
        var leave = new LeavingDestination();
        await using var leaving = await TestBackend.StartAsync(leave.Handler);
        await using var staying = await TestBackend.StartAsync(JsonHandlers.Fixed("""{ "ok": true }"""));
        var registry = RegistrationGateway.Registry().Replace(
            "\"routes\": [",
            "\"routes\": [ " + """{ "id": "c", "auth": "anonymous", "match": { "path": "/c" }, "aggregate": { "parts": [ { "name": "p", "backend": "b", "path": "/part?q=1" } ] } },""",
            StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, AdminTestKit.KeySettings(key));
        await MoveOnFirstRequestAsync(gateway, key, leave, leaving, staying);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ok\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, leaving.Count);
        Assert.Equal("/base/part?q=1", Assert.Single(staying.Requests).RawTarget);
    }

    [Fact]
    public async Task Fallback_DestinationDeregisteredBeforeTheFallback_TheFallbackGetsTheClientsTargetWithoutTheGoneDestinationsPath()
    {
        var key = AdminTestKit.NewKey();
        var leave = new LeavingDestination();
        await using var leaving = await TestBackend.StartAsync(leave.Handler);
        await using var spare = await TestBackend.StartAsync();
        var registry = RegistrationGateway.Registry()
            .Replace("\"url\": \"http://127.0.0.1:9\"", "\"url\": \"" + spare.Url + "/spare\"", StringComparison.Ordinal)
            .Replace("\"backend\": \"b\" }", "\"backend\": \"b\", \"resilience\": { \"retry\": { \"maxAttempts\": 1 }, \"fallback\": { \"backend\": \"plain\", \"statusCodes\": [503] } } }", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, AdminTestKit.KeySettings(key));
        await RegisterAsync(gateway, key, leaving.Url + "/base");
        leave.Leave = () => DeregisterAsync(gateway, key, leaving.Url + "/base");

        var response = await RawHttp.SendAsync(gateway.Url, "GET /r/a%2Fb?q=%41 HTTP/1.1\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Equal("/base/r/a%2Fb?q=%41", leaving.LastRequest.RawTarget);
        Assert.Equal("/spare/r/a%2Fb?q=%41", spare.LastRequest.RawTarget);
    }

    /// <summary>Backend <c>b</c>'s policy in <see cref="RegistrationGateway.Registry"/>: fields added after it land on the backend.</summary>
    private const string RoundRobin = "\"loadBalancing\": { \"policy\": \"roundRobin\" }";

    /// <summary>
    /// Registers <paramref name="leaving"/> alone (so the first attempt goes to it); when it sees that attempt,
    /// <paramref name="staying"/> registers and <paramref name="leaving"/> deregisters before it answers.
    /// </summary>
    private static async Task MoveOnFirstRequestAsync(GatewayHost gateway, AdminTestKit.AdminKey key, LeavingDestination leave, TestBackend leaving, TestBackend staying)
    {
        await RegisterAsync(gateway, key, leaving.Url + "/base");
        leave.Leave = async () =>
        {
            await RegisterAsync(gateway, key, staying.Url + "/base");
            await DeregisterAsync(gateway, key, leaving.Url + "/base");
        };
    }

    private static async Task RegisterAsync(GatewayHost gateway, AdminTestKit.AdminKey key, params string[] urls)
    {
        foreach (var url in urls)
        {
            using var registered = await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url });
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(() => urls.All(url => Destinations(gateway).Any(d => d.Url == url)), TimeSpan.FromSeconds(10)));
    }

    /// <summary>Deregisters <paramref name="url"/> and returns once the backend's destinations no longer hold it (the next pick sees the change).</summary>
    private static async Task DeregisterAsync(GatewayHost gateway, AdminTestKit.AdminKey key, string url)
    {
        using var deregistered = await RegistrationGateway.DeregisterAsync(gateway, key.Key, url);
        Assert.Equal(HttpStatusCode.OK, deregistered.StatusCode);
        Assert.True(await Eventually.TrueAsync(() => Destinations(gateway).All(d => d.Url != url), TimeSpan.FromSeconds(10)));
    }

    private static Portico.Discovery.Destination[] Destinations(GatewayHost gateway) =>
        gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"].Cluster!.Destinations;

    /// <summary>A destination that, on its request, runs <see cref="Leave"/> (another one joins, it deregisters) and then answers 503 (so the request is retried or falls back).</summary>
    private sealed class LeavingDestination
    {
        public Func<Task>? Leave { get; set; }

        public async Task Handler(HttpContext context)
        {
            await Leave!();
            context.Response.StatusCode = 503;
        }
    }
}
