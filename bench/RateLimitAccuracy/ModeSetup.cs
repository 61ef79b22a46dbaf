using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Portico.Observability;
using Portico.RateLimiting;

namespace Portico.Bench.RateLimit;

/// <summary>The instances of one store under test: their own counter table, storage-request counter and clients.</summary>
internal sealed class ModeSetup : IAsyncDisposable
{
    private readonly List<BenchGateway> _gateways;
    private readonly DirectoryInfo _directory;
    private readonly MeterListener _listener;
    private long _fallbacks;

    private ModeSetup(string mode, List<BenchGateway> gateways, CountingPolicy counter, DirectoryInfo directory)
    {
        Mode = mode;
        _gateways = gateways;
        Counter = counter;
        _directory = directory;
        Clients = [.. gateways.Select(g => g.Client)];

        // Decisions taken without shared counters (storage too slow or failing): the run reports them.
        var meters = gateways.Select(g => g.Services.GetRequiredService<PorticoMetrics>().Meter).ToHashSet();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (meters.Contains(instrument.Meter) && instrument.Name == "portico.ratelimit.fallback")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _fallbacks, value));
        _listener.Start();
    }

    /// <summary>Requests decided by a policy's failure mode because counter storage failed or was too slow.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    public string Mode { get; }

    public CountingPolicy Counter { get; }

    public IReadOnlyList<HttpClient> Clients { get; }

    public static async Task<ModeSetup> StartAsync(string mode, Settings settings, string connection, string registryJson)
    {
        var directory = Directory.CreateTempSubdirectory("portico-bench-rl-");
        var registry = Path.Combine(directory.FullName, "portico.json");
        await File.WriteAllTextAsync(registry, registryJson);
        var table = "bench" + Guid.NewGuid().ToString("N")[..16];
        var counter = new CountingPolicy();
        var gateways = new List<BenchGateway>();
        for (int i = 0; i < settings.Instances; i++)
        {
            gateways.Add(await BenchGateway.StartAsync(registry, connection, table, counter));
        }

        var setup = new ModeSetup(mode, gateways, counter, directory);
        if (mode is "exact" or "leased")
        {
            // Shared stores: wait until the instances have seen each other's heartbeats (storage warm, count known).
            var clock = Stopwatch.StartNew();
            while (gateways.Any(g => g.Services.GetRequiredService<InstanceCount>().Current != settings.Instances))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("the instances did not see each other's heartbeats");
                }

                await Task.Delay(100);
            }
        }

        await LoadRun.ClosedLoopAsync(setup.Clients, "/roomy", "warm-up", 8, TimeSpan.FromSeconds(settings.Smoke ? 1 : 3));
        return setup;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }
}
