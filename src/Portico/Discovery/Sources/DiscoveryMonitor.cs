using Microsoft.Extensions.Hosting;
using Portico.Registry;

namespace Portico.Discovery.Sources;

/// <summary>
/// Runs the discovery sources the live registry uses, in both hosts: at start-up it starts them and waits (at most
/// <see cref="FirstRefreshWait"/>) for their first answers, so the first requests find destinations; then, whenever a
/// new registry snapshot goes live, it starts the sources that snapshot added and stops those it dropped.
/// </summary>
internal sealed class DiscoveryMonitor(RegistryRuntime runtime, DiscoverySources sources, TimeProvider time) : BackgroundService
{
    /// <summary>Longest start-up waits for the sources' first refresh; a source still silent by then fills in later.</summary>
    public static readonly TimeSpan FirstRefreshWait = TimeSpan.FromSeconds(5);

    /// <summary>How often the live snapshot is checked for a change (a reference comparison).</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private GatewaySnapshot? _applied;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Apply();
        if (started.Count > 0)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(FirstRefreshWait);
            try
            {
                while (started.Any(s => s.Current.Version == 0 && s.LastError is null))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), time, wait.Token);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow sources fill in later; their backends answer 503 no-healthy-destination until then.
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(CheckInterval, time, stoppingToken);
                Apply();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the sources stop when the container disposes them.
        }
    }

    private IReadOnlyList<DiscoverySource> Apply()
    {
        var snapshot = runtime.Current;
        if (ReferenceEquals(snapshot, _applied))
        {
            return [];
        }

        _applied = snapshot;
        var live = snapshot.Backends.Values.Select(b => b.Cluster?.Source).OfType<DiscoverySource>().ToHashSet();
        return sources.Reconcile(live);
    }
}
