using System.Net;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>A gateway (the <c>portico serve</c> host) whose backend finds its destinations through DNS or etcd, over real sockets.</summary>
public sealed class SourceGatewayTests
{
    [Fact]
    public async Task Serve_DnsSrvSource_SpreadsTrafficOverTheTargetsAndShowsThemInTheAdminView()
    {
        var key = AdminTestKit.NewKey();
        await using var one = await TestBackend.StartAsync();
        await using var two = await TestBackend.StartAsync();
        await using var dns = await DnsmasqProcess.StartAsync("127.0.0.1 node.test\n", [$"_http._tcp.orders.test,node.test,{one.Port},10,1", $"_http._tcp.orders.test,node.test,{two.Port},10,1"]);
        var settings = new Dictionary<string, string?>(AdminTestKit.KeySettings(key)) { ["Portico:Discovery:DnsServers:0"] = dns.Server };
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "type": "dns", "host": "_http._tcp.orders.test", "record": "srv" }"""), settings);

        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(10, one.Count); // round robin over the two targets
        Assert.Equal(10, two.Count);
        using var view = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b", key.Key);
        var backend = await AdminTestKit.ReadJsonAsync(view);
        Assert.Equal("dns", backend.GetProperty("discovery").GetProperty("type").GetString());
        Assert.Equal(2, backend.GetProperty("discovery").GetProperty("destinations").GetInt32());
        Assert.All(backend.GetProperty("destinations").EnumerateArray(), d =>
        {
            Assert.Equal("dns", d.GetProperty("source").GetString());
            Assert.Equal(JsonValueKindString, d.GetProperty("lastSeen").ValueKind);
        });
    }

    [Fact]
    public async Task Serve_EtcdSourceWithAListedDestination_BothServeAndAnAddedKeyJoins()
    {
        await using var listed = await TestBackend.StartAsync();
        await using var found = await TestBackend.StartAsync();
        await using var joined = await TestBackend.StartAsync();
        await using var etcd = await EtcdProcess.StartAsync();
        await etcd.PutAsync("/portico/b/found", found.Url);
        var registry = Registry($$"""{ "type": "etcd", "endpoints": ["{{etcd.Url}}"], "prefix": "/portico/b/" }""")
            .Replace("\"discovery\":", $"\"destinations\": [ {{ \"url\": \"{listed.Url}\" }} ], \"discovery\":", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry);

        for (var i = 0; i < 10; i++)
        {
            (await gateway.Client.GetAsync("/r/x")).Dispose();
        }

        Assert.Equal(5, listed.Count);
        Assert.Equal(5, found.Count);
        await etcd.PutAsync("/portico/b/joined", joined.Url);
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.Client.GetAsync("/r/x");
            return joined.Count > 0;
        }, TimeSpan.FromSeconds(20)));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindString = System.Text.Json.JsonValueKind.String;

    private static string Registry(string discovery) => $$"""
    {
      "backends": [ { "id": "b", "discovery": {{discovery}}, "loadBalancing": { "policy": "roundRobin" } } ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b" } ]
    }
    """;
}
