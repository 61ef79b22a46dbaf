using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>Destinations change under load without one failed request; a destination that stays keeps its state.</summary>
public sealed class TopologyChangeTests
{
    [Fact]
    public async Task Reload_DestinationsReplacedUnderLoadThenStopped_NoRequestFails()
    {
        var backends = new TestBackend[4];
        var stopped = new HashSet<int>();
        for (var i = 0; i < backends.Length; i++)
        {
            backends[i] = await TestBackend.StartAsync();
        }

        try
        {
            await using var gateway = await ClusterGateway.StartAsync([backends[0].Url, backends[1].Url]);
            await using var load = new LoadLoop(gateway.Client, "/r/x", concurrency: 8);
            Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));
            var kept = Destinations(gateway)[1];

            // Out goes the first destination, in comes a third: then the first one stops.
            await ApplyAsync(gateway, load, [backends[1].Url, backends[2].Url]);
            Assert.Same(kept, Destinations(gateway)[0]); // the same state object: requests in flight and health carry over
            await backends[0].DisposeAsync();
            stopped.Add(0);
            Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));

            // Both remaining ones are replaced at once, then stopped.
            await ApplyAsync(gateway, load, [backends[2].Url, backends[3].Url]);
            await backends[1].DisposeAsync();
            stopped.Add(1);
            Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));

            await load.DisposeAsync();
            Assert.Empty(load.Failures);
            Assert.All(backends, b => Assert.True(b.Count > 0, "every destination served while it was configured"));
        }
        finally
        {
            foreach (var i in Enumerable.Range(0, backends.Length).Where(i => backends[i] is not null && !stopped.Contains(i)))
            {
                await backends[i].DisposeAsync();
            }
        }
    }

    private static Portico.Discovery.Destination[] Destinations(GatewayHost gateway) =>
        gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"].Cluster!.Destinations;

    /// <summary>Writes the new destinations, waits until the gateway runs them, and lets load run on them.</summary>
    private static async Task ApplyAsync(GatewayHost gateway, LoadLoop load, string[] urls)
    {
        await gateway.WriteConfigAsync(ClusterGateway.Registry(urls));
        Assert.True(await Eventually.TrueAsync(() => Destinations(gateway).Select(d => d.Url).SequenceEqual(urls), TimeSpan.FromSeconds(20)));
        Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));
    }
}
