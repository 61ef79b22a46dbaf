using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.Registry;

/// <summary>
/// Loads the registry before the host serves, then keeps it current: a cheap revision check every
/// <c>ReloadInterval</c> (or at once when the store signals a change), a full read only when the revision moved,
/// and an unconditional re-read every <c>FullRefreshInterval</c> in case someone edited storage by hand.
/// </summary>
internal sealed partial class RegistryMonitor(
    RegistryRuntime runtime,
    IOptions<PorticoOptions> options,
    TimeProvider timeProvider,
    ILogger<RegistryMonitor> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!runtime.Current.IsLoaded)
        {
            await runtime.InitializeAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registry = options.Value.Registry;
        var signal = runtime.Store.ChangeSignal;
        var lastFullRead = timeProvider.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            try
            {
                await WaitAsync(registry.ReloadInterval, signal, stoppingToken);
                var fullReadDue = timeProvider.GetElapsedTime(lastFullRead) >= registry.FullRefreshInterval;
                timeout.CancelAfter(registry.StoreTimeout);
                string revision;
                try
                {
                    revision = await runtime.Store.GetRevisionAsync(timeout.Token);
                }
                catch (Exception ex) when (StoreFailure.Is(ex, stoppingToken))
                {
                    LogCheckFailed(logger, runtime.Store.Description, ex.Message);
                    continue;
                }

                if (revision != runtime.LastSeenRevision || fullReadDue)
                {
                    // Store failures while reading become a Failed outcome inside; what escapes is the check's own
                    // time budget running out, or a bug (below).
                    await runtime.ReloadAsync(timeout.Token);
                    lastFullRead = timeProvider.GetTimestamp();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                LogCheckFailed(logger, runtime.Store.Description, ex.Message);
            }
            catch (Exception ex)
            {
                // A bug while reading or compiling one revision must not stop every later reload: the live snapshot
                // keeps serving, the error is logged with its stack, and the next interval tries again.
                LogReloadCrashed(logger, runtime.Store.Description, ex);
            }
        }
    }

    private async Task WaitAsync(TimeSpan interval, IChangeSignal? signal, CancellationToken stoppingToken)
    {
        if (signal is null)
        {
            await Task.Delay(interval, timeProvider, stoppingToken);
            return;
        }

        using var cancelLoser = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(interval, timeProvider, cancelLoser.Token);
        var changed = signal.WaitAsync(cancelLoser.Token);
        var first = await Task.WhenAny(delay, changed);
        await cancelLoser.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        if (first == changed)
        {
            // Let the writer finish (editors write in several steps) before reading.
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Checking {Store} for changes failed; retrying next interval: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Reloading the registry from {Store} failed unexpectedly (a bug); the live snapshot keeps serving and the next interval tries again")]
    private static partial void LogReloadCrashed(ILogger logger, string store, Exception exception);
}
