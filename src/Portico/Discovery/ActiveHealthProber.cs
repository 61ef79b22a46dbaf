using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.Discovery;

/// <summary>
/// Probes the destinations of every backend with active health checks (in <c>portico serve</c>, as a hosted service):
/// every <see cref="Tick"/> it walks the live snapshot and starts a probe of each destination whose probe is due, never
/// a second one while the first is in flight, at most <see cref="MaxProbesInFlight"/> at once. A destination's first
/// probe comes within a second of it appearing; then one every interval plus up to a tenth of it at random, so that
/// probes of many destinations (and of many gateways) spread out instead of arriving together. In the shared mode
/// (the Functions app) it does not run on its own: the timer function calls <see cref="ProbeElapsedAsync"/>.
/// </summary>
internal sealed class ActiveHealthProber(
    RegistryRuntime runtime,
    ActiveHealthStates states,
    HealthProbeClient client,
    ActiveHealthTelemetry telemetry,
    IOptions<PorticoOptions> options,
    TimeProvider time) : BackgroundService
{
    /// <summary>How often the prober looks for due probes.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>The most probes in flight at once, over every backend; the rest wait for a later tick.</summary>
    public const int MaxProbesInFlight = 64;

    private static readonly TimeSpan FirstProbeSpread = TimeSpan.FromSeconds(1);

    private int _inFlight;
    private TaskCompletionSource _snapshotApplied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Probes in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Starts a probe of each destination due now (scheduling the first probe of one seen for the first time) and
    /// returns the states probed once every probe started here has finished.
    /// </summary>
    public Task<ActiveHealthState[]> ProbeDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        List<Task<ActiveHealthState>>? started = null;
        foreach (var (settings, state) in states.Attach(runtime.Current, now))
        {
            var due = state.NextProbeTicks;
            if (due == 0)
            {
                state.NextProbeTicks = now + Random.Shared.NextInt64(Math.Min(settings.Interval.Ticks, FirstProbeSpread.Ticks));
                continue;
            }

            if (due <= now && TryStart(settings, state, cancellationToken) is { } probe)
            {
                state.NextProbeTicks = now + settings.Interval.Ticks + Random.Shared.NextInt64(settings.Interval.Ticks / 10 + 1);
                (started ??= []).Add(probe);
            }
        }

        return started is null ? Task.FromResult<ActiveHealthState[]>([]) : Task.WhenAll(started);
    }

    /// <summary>
    /// Probes each destination whose last probe (as this instance knows it, from its own or the shared table) is at least
    /// its interval less <paramref name="slack"/> ago: the Functions timer's way, which runs once per period on one instance.
    /// </summary>
    public Task<ActiveHealthState[]> ProbeElapsedAsync(TimeSpan slack, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var started = new List<Task<ActiveHealthState>>();
        foreach (var (settings, state) in states.Attach(runtime.Current, now.UtcTicks))
        {
            if ((state.Report().LastProbe is not { } last || now - last >= settings.Interval - slack)
                && TryStart(settings, state, cancellationToken) is { } probe)
            {
                started.Add(probe);
            }
        }

        return Task.WhenAll(started);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ActiveHealth.IsShared)
        {
            return; // the Functions timer probes, once for the whole app (SharedHealthProbe)
        }

        runtime.SnapshotApplied += OnSnapshotApplied;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var applied = Volatile.Read(ref _snapshotApplied);
                try
                {
                    if (HasActiveChecks(runtime.Current))
                    {
                        await Task.Delay(Tick, time, stoppingToken).ConfigureAwait(false);
                    }
                    else
                    {
                        // Nothing to probe: no timer ticking (on a gateway without active checks, nor on a test's clock)
                        // until a new snapshot may bring some. One walk first detaches states a snapshot turned off.
                        _ = ProbeDueAsync(stoppingToken);
                        await applied.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _ = ProbeDueAsync(stoppingToken); // not awaited: a slow probe must not hold back the others
            }
        }
        finally
        {
            runtime.SnapshotApplied -= OnSnapshotApplied;
        }
    }

    private static bool HasActiveChecks(GatewaySnapshot snapshot)
    {
        foreach (var backend in snapshot.Backends.Values)
        {
            if (backend.Cluster?.ActiveHealth is not null)
            {
                return true;
            }
        }

        return false;
    }

    private void OnSnapshotApplied(GatewaySnapshot snapshot) =>
        Interlocked.Exchange(ref _snapshotApplied, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private Task<ActiveHealthState>? TryStart(ActiveHealthSettings settings, ActiveHealthState state, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxProbesInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            return null;
        }

        if (!state.TryBeginProbe())
        {
            Interlocked.Decrement(ref _inFlight);
            return null;
        }

        return ProbeAsync(settings, state, cancellationToken);
    }

    private async Task<ActiveHealthState> ProbeAsync(ActiveHealthSettings settings, ActiveHealthState state, CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.ProbeAsync(state.Url, settings, cancellationToken).ConfigureAwait(false);
            telemetry.Probed(state.BackendId, result);
            telemetry.Changed(state, state.Apply(result, time.GetUtcNow(), settings.HealthyThreshold, settings.UnhealthyThreshold), result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the probe's result no longer matters.
        }
        finally
        {
            state.EndProbe();
            Interlocked.Decrement(ref _inFlight);
        }

        return state;
    }
}
