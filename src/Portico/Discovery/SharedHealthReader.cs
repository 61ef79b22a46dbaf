using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage.Tables;

namespace Portico.Discovery;

/// <summary>
/// In the shared mode (the Functions app), reads the shared health table every <c>RefreshInterval</c> and takes on the
/// health the timer function judged, for each destination of the live snapshot: one query per read, whatever the
/// number of requests. A read that fails keeps the last known health (logged as event 2703 and counted). A verdict
/// older than three intervals plus a minute (the timer stopped running) no longer keeps a destination out: it
/// counts as unknown, so a stopped prober can never empty a cluster.
/// </summary>
internal sealed class SharedHealthReader(
    RegistryRuntime runtime,
    ActiveHealthStates states,
    Lazy<TableActiveHealthStore> store,
    ActiveHealthTelemetry telemetry,
    IOptions<PorticoOptions> options,
    TimeProvider time) : BackgroundService
{
    /// <summary>The longest one read of the table may take.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan StaleMargin = TimeSpan.FromMinutes(1);

    private readonly ActiveHealthOptions _options = options.Value.ActiveHealth;

    /// <summary>Reads the table once and applies it; false when the read failed (the last known health stays).</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SharedActiveHealth> rows;
        using var timeout = new CancellationTokenSource(ReadTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            rows = await store.Value.ReadAllAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Storage.StoreFailure.Is(ex, cancellationToken))
        {
            telemetry.SharedReadFailed(ex);
            Apply([]); // still attach new destinations and let stale verdicts go
            return false;
        }

        Apply(rows);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.IsShared)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_options.RefreshInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Apply(IReadOnlyList<SharedActiveHealth> rows)
    {
        var now = time.GetUtcNow();
        var shared = new Dictionary<(string, string), ActiveHealthReport>();
        foreach (var row in rows)
        {
            shared[(row.BackendId, row.Url)] = row.Report;
        }

        foreach (var (settings, state) in states.Attach(runtime.Current, now.UtcTicks))
        {
            var local = state.Report();
            if (shared.TryGetValue((state.BackendId, state.Url), out var report) && report.LastProbe > (local.LastProbe ?? DateTimeOffset.MinValue))
            {
                // Only a newer verdict: the instance that ran the timer knows its own results before the table does.
                telemetry.Changed(state, state.Restore(report), null);
                local = report;
            }

            if (local.Status != ActiveHealthStatus.Unknown && local.LastProbe is { } last && now - last > (settings.Interval * 3) + StaleMargin)
            {
                telemetry.Changed(state, state.Restore(local with { Status = ActiveHealthStatus.Unknown }), null);
            }
        }
    }
}
