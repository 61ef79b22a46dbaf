using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>etcd v3 discovery against a real etcd: the prefix read whole, then watched, so a change applies without waiting for the interval; an outage keeps the last answer.</summary>
public sealed class EtcdSourceTests
{
    [Fact]
    public async Task Run_KeysUnderThePrefix_DestinationsFollowEveryChangeThroughTheWatch()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await etcd.PutAsync("/services/orders/1", "http://10.0.0.1:8080");
        await etcd.PutAsync("/services/orders/2", """{ "url": "http://10.0.0.2:8080", "weight": 3, "metadata": { "zone": "z2" } }""");
        await etcd.PutAsync("/services/orders/bad", "not a url");
        await etcd.PutAsync("/services/ordersx/1", "http://10.0.0.9:8080"); // another prefix
        await etcd.PutAsync("/services/other/1", "http://10.0.0.8:8080");
        await using var kit = new SourceTestKit(TimeProvider.System);
        var source = kit.Source(new DiscoveryDefinition { Type = "etcd", Endpoints = [etcd.Url], Prefix = "/services/orders/", RefreshInterval = "1h" });
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(stop.Token);
        try
        {
            Assert.True(await Eventually.TrueAsync(() => Urls(source).SequenceEqual(["http://10.0.0.1:8080", "http://10.0.0.2:8080"]), TimeSpan.FromSeconds(20)), string.Join(", ", Urls(source)));
            var second = source.Current.Destinations[1].Definition;
            Assert.Equal(3, second.Weight);
            Assert.Equal("z2", second.Metadata!["zone"]);

            // The interval is an hour: only the watch can bring these in.
            await etcd.PutAsync("/services/orders/3", "http://10.0.0.3:8080");
            Assert.True(await Eventually.TrueAsync(() => Urls(source).Length == 3, TimeSpan.FromSeconds(20)), string.Join(", ", Urls(source)));
            await etcd.DeleteAsync("/services/orders/1");
            Assert.True(await Eventually.TrueAsync(() => Urls(source).SequenceEqual(["http://10.0.0.2:8080", "http://10.0.0.3:8080"]), TimeSpan.FromSeconds(20)), string.Join(", ", Urls(source)));

            etcd.Kill();
            Assert.True(await Eventually.TrueAsync(() => source.LastError is not null, TimeSpan.FromSeconds(20)));
            Assert.Equal(["http://10.0.0.2:8080", "http://10.0.0.3:8080"], Urls(source)); // the last known stay
            Assert.True(kit.Metrics.Sum("portico.discovery.refreshes", ("outcome", "failed"), ("source", "etcd")) >= 1);
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static string[] Urls(Portico.Discovery.Sources.DiscoverySource source) => [.. source.Current.Destinations.Select(d => d.Definition.Url)];
}
