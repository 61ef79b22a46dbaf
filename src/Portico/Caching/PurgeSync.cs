using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Caching;

/// <summary>
/// Applies the purges other instances recorded: once on start, then every <see cref="PurgeOptions.PollInterval"/>
/// (one Table query per interval per instance, never per request), so a purge reaches every instance within the
/// interval plus one query, and an instance that slept reads what it missed before it reads the shared store.
/// </summary>
internal sealed class PurgeSync(CachePurges purges, TimeProvider time, IOptions<PorticoOptions> options) : BackgroundService
{
    private static readonly TimeSpan CleanUpInterval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!purges.IsShared)
        {
            return;
        }

        var interval = options.Value.Caching.Purge.PollInterval;
        var lastCleanUp = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            await purges.SyncAsync(stoppingToken);
            if (time.GetUtcNow() - lastCleanUp >= CleanUpInterval)
            {
                lastCleanUp = time.GetUtcNow();
                await purges.CleanUpAsync(stoppingToken);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
