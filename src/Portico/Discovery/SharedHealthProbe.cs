using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Discovery;

/// <summary>
/// One run of the Functions app's health timer (docs/discovery.md): in the shared mode, reads the shared health table
/// (the previous run's counts, from whichever instance ran it), probes every destination whose interval has elapsed
/// (within half a period), and writes the results back for every instance to read. The timer runs on one instance
/// of the app at a time, so each destination gets one probe per interval however many instances serve traffic.
/// </summary>
public sealed class SharedHealthProbe
{
    /// <summary>The timer's schedule (NCRONTAB with seconds): every 10 seconds.</summary>
    public const string Schedule = "*/10 * * * * *";

    /// <summary>The timer's period: intervals round up to a multiple of it.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly SharedHealthReader _reader;
    private readonly ActiveHealthProber _prober;
    private readonly Lazy<TableActiveHealthStore> _store;
    private readonly ActiveHealthTelemetry _telemetry;
    private readonly ActiveHealthOptions _options;

    internal SharedHealthProbe(SharedHealthReader reader, ActiveHealthProber prober, Lazy<TableActiveHealthStore> store, ActiveHealthTelemetry telemetry, IOptions<PorticoOptions> options)
    {
        _reader = reader;
        _prober = prober;
        _store = store;
        _telemetry = telemetry;
        _options = options.Value.ActiveHealth;
    }

    /// <summary>Runs once; returns how many destinations were probed (none unless the shared mode is on).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!_options.IsShared)
        {
            return 0; // the local mode: every instance probes for itself
        }

        await _reader.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var probed = await _prober.ProbeElapsedAsync(Period / 2, cancellationToken).ConfigureAwait(false);
        if (probed.Length == 0)
        {
            return 0;
        }

        try
        {
            await _store.Value.WriteAsync(probed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Storage.StoreFailure.Is(ex, cancellationToken))
        {
            _telemetry.SharedWriteFailed(ex); // the next run writes them again
        }

        return probed.Length;
    }
}
