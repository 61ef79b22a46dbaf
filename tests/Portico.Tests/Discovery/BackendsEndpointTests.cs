using System.Net;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary><c>GET /_portico/admin/backends</c> over a real gateway: each destination's health, load and picks, behind the admin policy.</summary>
public sealed class BackendsEndpointTests
{
    /// <summary>The gateway's clock: the requests' retry back-off runs in real time, so the gateway keeps the system clock.</summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    [Fact]
    public async Task Get_ClusterWithADeadDestination_ShowsItEjectedAndTheOthersHealthy()
    {
        var key = AdminTestKit.NewKey();
        var dead = await ClusterGateway.DeadUrlAsync();
        await using var alive = await TestBackend.StartAsync();
        var registry = ClusterGateway.Registry([dead, alive.Url], """ "loadBalancing": { "policy": "roundRobin" }, "health": { "passive": { "consecutiveFailures": 2 } } """)
            .Replace("{ \"url\": \"" + alive.Url + "\" }", "{ \"url\": \"" + alive.Url + "\", \"weight\": 3, \"metadata\": { \"zone\": \"z2\" } }", StringComparison.Ordinal)
            .Replace("\"backends\": [", "\"backends\": [ { \"id\": \"single\", \"url\": \"http://127.0.0.1:9/base\" },", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, AdminTestKit.KeySettings(key));
        for (var i = 0; i < 12; i++)
        {
            using var _ = await gateway.Client.GetAsync("/r/x");
        }

        using var response = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends", key.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var backends = (await AdminTestKit.ReadJsonAsync(response)).GetProperty("backends").EnumerateArray().ToArray();
        Assert.Equal(["b", "single"], backends.Select(b => b.GetProperty("id").GetString()));
        Assert.Equal("http://127.0.0.1:9/base", backends[1].GetProperty("url").GetString());
        var cluster = backends[0];
        Assert.Equal("roundRobin", cluster.GetProperty("policy").GetString());
        Assert.Equal("closed", cluster.GetProperty("circuit").GetString());
        var destinations = cluster.GetProperty("destinations").EnumerateArray().ToArray();
        Assert.Equal(dead, destinations[0].GetProperty("url").GetString());
        Assert.Equal("ejected", destinations[0].GetProperty("health").GetString());
        Assert.True(destinations[0].GetProperty("ejectedUntil").GetDateTimeOffset() > Clock.GetUtcNow());
        Assert.Equal(1, destinations[0].GetProperty("ejections").GetInt32());
        Assert.Equal(2, destinations[0].GetProperty("picks").GetInt64());
        Assert.Equal("healthy", destinations[1].GetProperty("health").GetString());
        Assert.Equal(3, destinations[1].GetProperty("weight").GetInt32());
        Assert.Equal("z2", destinations[1].GetProperty("metadata").GetProperty("zone").GetString());
        Assert.Equal("registry", destinations[1].GetProperty("source").GetString());
        Assert.Equal(alive.Count, destinations[1].GetProperty("picks").GetInt64());
        Assert.Equal(0, destinations[1].GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task Get_OneBackendUnknownOrWithoutCredentials_AnswersItOr404Or401()
    {
        var key = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(ClusterGateway.Registry(["http://127.0.0.1:9"]), AdminTestKit.KeySettings(key));

        using var one = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b", key.Key);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var backend = await AdminTestKit.ReadJsonAsync(one);
        Assert.Equal("b", backend.GetProperty("id").GetString());
        Assert.Equal("powerOfTwoChoices", backend.GetProperty("policy").GetString());

        using var unknown = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/nope", key.Key);
        await ProblemAssert.ReadAsync(unknown, "backend-not-found");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var anonymous = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
