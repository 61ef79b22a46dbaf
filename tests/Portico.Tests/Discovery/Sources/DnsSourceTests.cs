using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>DNS discovery against a real dnsmasq: A/AAAA and SRV answers become destinations, looked up again on the TTL within bounds; an outage keeps the last answer.</summary>
public sealed class DnsSourceTests
{
    [Theory]
    [InlineData(30, null, null, 30)]
    [InlineData(30, null, "10s", 10)]
    [InlineData(30, "1m", "5m", 60)]
    public async Task Refresh_ARecords_EveryAddressWithThePortAndTheNextLookupOnTheTtlWithinBounds(int ttl, string? minTtl, string? maxTtl, int expectedNextSeconds)
    {
        await using var dns = await DnsmasqProcess.StartAsync("127.0.0.2 svc.test\n127.0.0.1 svc.test\n::1 svc.test\n127.0.0.9 other.test\n", ttl: ttl);
        await using var kit = new SourceTestKit(new TestClock(), o => o.Discovery.DnsServers.Add(dns.Server));
        var source = kit.Source(new DiscoveryDefinition { Type = "dns", Host = "svc.test", Port = 8080, Path = "/api", MinTtl = minTtl, MaxTtl = maxTtl });

        var next = await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(expectedNextSeconds), next);
        Assert.Equal(["http://127.0.0.1:8080/api", "http://127.0.0.2:8080/api", "http://[::1]:8080/api"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.Equal(1, source.Current.Version);
    }

    [Fact]
    public async Task Refresh_SrvRecords_LowestPriorityTargetsWithTheirPortsAndWeights()
    {
        await using var dns = await DnsmasqProcess.StartAsync(
            "127.0.0.1 a.test\n127.0.0.2 b.test\n127.0.0.3 backup.test\n",
            ["_http._tcp.svc.test,a.test,8081,10,3", "_http._tcp.svc.test,b.test,8082,10,1", "_http._tcp.svc.test,backup.test,8083,20,5"]);
        await using var kit = new SourceTestKit(new TestClock(), o => o.Discovery.DnsServers.Add(dns.Server));
        var source = kit.Source(new DiscoveryDefinition { Type = "dns", Host = "_http._tcp.svc.test", Record = "srv" });

        Assert.NotNull(await source.RefreshAsync(CancellationToken.None));

        var found = source.Current.Destinations.Select(d => d.Definition).ToArray();
        Assert.Equal(["http://127.0.0.1:8081", "http://127.0.0.2:8082"], found.Select(d => d.Url)); // priority 20 is a backup, unused while 10 answers
        Assert.Equal([3, 1], found.Select(d => d.Weight));
        Assert.Equal("a.test", found[0].Metadata!["target"]);
    }

    [Fact]
    public async Task Refresh_ResolverDownOrNameGone_KeepsTheLastAnswerLogsAndCountsIt()
    {
        await using var dns = await DnsmasqProcess.StartAsync("127.0.0.1 svc.test\n");
        await using var kit = new SourceTestKit(new TestClock(), o => o.Discovery.DnsServers.Add(dns.Server));
        var source = kit.Source(new DiscoveryDefinition { Type = "dns", Host = "svc.test", Port = 80 });
        Assert.NotNull(await source.RefreshAsync(CancellationToken.None));

        await dns.SetHostsAsync("127.0.0.9 elsewhere.test\n"); // the name no longer exists
        Assert.Null(await source.RefreshAsync(CancellationToken.None));
        Assert.Contains("no A or AAAA records", source.LastError, StringComparison.Ordinal);

        dns.Kill();
        Assert.Null(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(["http://127.0.0.1:80"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.Equal(1, source.Current.Version);
        Assert.NotNull(source.LastError);
        Assert.Equal(2, kit.Metrics.Sum("portico.discovery.refreshes", ("outcome", "failed"), ("source", "dns"), ("portico.backend", "b")));
        Assert.Equal(1, kit.Metrics.Sum("portico.discovery.refreshes", ("outcome", "ok")));
    }

    [Fact]
    public async Task Refresh_HostsChanged_TheNextLookupReplacesTheDestinations()
    {
        await using var dns = await DnsmasqProcess.StartAsync("127.0.0.1 svc.test\n127.0.0.2 svc.test\n");
        await using var kit = new SourceTestKit(new TestClock(), o => o.Discovery.DnsServers.Add(dns.Server));
        var source = kit.Source(new DiscoveryDefinition { Type = "dns", Host = "svc.test", Port = 80 });
        await source.RefreshAsync(CancellationToken.None);

        await dns.SetHostsAsync("127.0.0.2 svc.test\n127.0.0.3 svc.test\n");
        await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:80", "http://127.0.0.3:80"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.Equal(2, source.Current.Version);
    }
}
