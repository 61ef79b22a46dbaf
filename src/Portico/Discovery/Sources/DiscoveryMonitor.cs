using Microsoft.Extensions.Hosting;
using Portico.Registry;

namespace Portico.Discovery.Sources;

/// <summary>
/// Runs the discovery sources the live registry uses, in both hosts: at start-up it starts them and waits (at most
/// <see cref="FirstRefreshWait"/>) for their first answers, so the first requests find destinations; then, whenever a
/// new registry snapshot goes live (<see cref="RegistryRuntime.SnapshotApplied"/>), it starts the sources that snapshot
/// added and stops those it dropped. It sets no timer of its own: a gateway without sources does no discovery work.
/// </summary>
internal sealed class DiscoveryMonitor(RegistryRuntime runtime, DiscoverySources sources, TimeProvider time) : IHostedService
{
    /// <summary>Longest start-up waits for the sources' first refresh; a source still silent by then fills in later.</summary>
    public static readonly TimeSpan FirstRefreshWait = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private GatewaySnapshot? _applied;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.SnapshotApplied += OnApplied;
        var started = Apply(runtime.Current);
        if (started.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(started.Select(s => s.FirstAnswer)).WaitAsync(FirstRefreshWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Slow sources fill in later; their backends answer 503 no-healthy-destination until then.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        runtime.SnapshotApplied -= OnApplied;
        return Task.CompletedTask; // the sources stop when the container disposes them
    }

    private void OnApplied(GatewaySnapshot snapshot) => Apply(snapshot);

    /// <summary>Starts the sources <paramref name="snapshot"/> uses and stops the others; returns those started now.</summary>
    private IReadOnlyList<DiscoverySource> Apply(GatewaySnapshot snapshot)
    {
        lock (_lock)
        {
            if (!snapshot.IsLoaded || ReferenceEquals(snapshot, _applied))
            {
                return [];
            }

            _applied = snapshot;
            var live = snapshot.Backends.Values.Select(b => b.Cluster?.Source).OfType<DiscoverySource>().ToHashSet();
            return sources.Reconcile(live);
        }
    }
}
