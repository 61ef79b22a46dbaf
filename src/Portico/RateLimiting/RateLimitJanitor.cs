using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.RateLimiting;

/// <summary>
/// Background upkeep of the counters: every second, unspent tokens of expired leases go back to the shared
/// buckets (an idle instance does not hoard them); every 30 s, counters that carry no information are dropped
/// from memory; every <see cref="RateLimitingOptions.HeartbeatInterval"/> the instance records itself so all
/// know how many share a limit; hourly, one instance deletes expired counter entities. On shutdown, every lease
/// is returned.
/// </summary>
internal sealed partial class RateLimitJanitor(
    RateLimiter limiter,
    InstanceCount instances,
    Registry.RegistryRuntime runtime,
    IOptions<PorticoOptions> options,
    TimeProvider time,
    ILogger<RateLimitJanitor> logger) : BackgroundService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromHours(1);

    /// <summary>Expired entities are kept a day longer, so clocks that disagree a little never lose a count.</summary>
    private static readonly TimeSpan CleanupGrace = TimeSpan.FromDays(1);

    private readonly TimeSpan _heartbeatEvery = options.Value.RateLimiting.HeartbeatInterval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = limiter.Store;
        var lastSweep = time.GetUtcNow();
        var lastHeartbeat = DateTimeOffset.MinValue;
        var lastCleanup = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetUtcNow();
                if (store.IsConfigured && !limiter.SharedUsed && UsesSharedStore(runtime.Current))
                {
                    // Shared policies are configured: heartbeat now, which also creates the table and opens the
                    // connection, so the first requests do not pay for it and the instance count is known early.
                    limiter.ExpectShared();
                }

                if (store.IsConfigured && limiter.SharedUsed)
                {
                    await limiter.ReturnExpiredLeasesAsync(all: false);
                    if (now - lastHeartbeat >= _heartbeatEvery)
                    {
                        lastHeartbeat = now;
                        if (await store.HeartbeatAsync(instances.InstanceId, _heartbeatEvery * 3) is { } count)
                        {
                            instances.Update(count);
                        }
                    }

                    if (now - lastCleanup >= CleanupEvery)
                    {
                        lastCleanup = now;
                        await CleanUpAsync(store, now, stoppingToken);
                    }
                }

                if (now - lastSweep >= SweepEvery)
                {
                    lastSweep = now;
                    limiter.Sweep();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (limiter.Store.IsConfigured && limiter.SharedUsed)
        {
            await limiter.ReturnExpiredLeasesAsync(all: true).WaitAsync(TimeSpan.FromSeconds(5), time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await limiter.Store.LeaveAsync(instances.InstanceId);
        }
    }

    private static bool UsesSharedStore(Registry.GatewaySnapshot snapshot)
    {
        foreach (var route in snapshot.Routes.Routes)
        {
            if (route.RateLimits.UsesSharedStore)
            {
                return true;
            }
        }

        return false;
    }

    private async Task CleanUpAsync(IRateCounterStore store, DateTimeOffset now, CancellationToken stoppingToken)
    {
        // Bounded, so a storage account that stops answering never stalls heartbeats and lease returns for long.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            if (await store.CleanUpAsync(now - CleanupGrace, CleanupEvery, linked.Token) is { } deleted)
            {
                LogCleanedUp(logger, deleted);
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex, stoppingToken))
        {
            LogCleanupFailed(logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "Deleted {Count} expired rate-limit counters")]
    private static partial void LogCleanedUp(ILogger logger, int count);

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "Cleanup of expired rate-limit counters failed; retried in an hour: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string reason);
}
