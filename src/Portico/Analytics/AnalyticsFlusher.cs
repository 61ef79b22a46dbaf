using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.Analytics;

/// <summary>
/// Writes closed minutes to the analytics store, beats this instance's heartbeat and deletes rollups past their retention.
/// It wakes every <see cref="CycleInterval"/>; a closed minute is written once (its rows in batch transactions of 100), so
/// an instance costs ceiling(cells / 100) transactions per minute plus one heartbeat, and one cleanup an hour. A minute that
/// cannot be written is retried each cycle for <see cref="AnalyticsOptions.RetryWindow"/>, then dropped, counted and logged:
/// requests never wait on any of this.
/// </summary>
internal sealed class AnalyticsFlusher : BackgroundService
{
    /// <summary>How often the flusher wakes.</summary>
    public static readonly TimeSpan CycleInterval = TimeSpan.FromSeconds(10);

    /// <summary>How long a closed minute waits before it is written, so requests that read the clock just before it closed have added their counts.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);
    private static readonly string Version = typeof(AnalyticsFlusher).Assembly.GetName().Version?.ToString() ?? "";

    private readonly AnalyticsRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly AnalyticsMetrics _metrics;
    private readonly ILogger<AnalyticsFlusher> _logger;
    private readonly TimeSpan _retention;
    private readonly TimeSpan _retryWindow;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly DateTimeOffset _startedAt;
    private DateTimeOffset _nextHeartbeat;
    private DateTimeOffset _nextCleanup;

    public AnalyticsFlusher(IAnalyticsStore store, AnalyticsRecorder recorder, IOptions<PorticoOptions> options, TimeProvider time, AnalyticsMetrics metrics, ILogger<AnalyticsFlusher> logger)
    {
        Store = store;
        _recorder = recorder;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        var settings = options.Value.Analytics;
        _retention = store is MemoryAnalyticsStore ? TimeSpan.FromTicks(Math.Min(settings.Retention.Ticks, MemoryAnalyticsStore.MaxRetention.Ticks)) : settings.Retention;
        _retryWindow = settings.RetryWindow;
        _startedAt = time.GetUtcNow();
        // Instances started together should not all clean up at the same moment.
        _nextCleanup = _startedAt + TimeSpan.FromMinutes(1 + Random.Shared.Next(10));
    }

    /// <summary>The store rollups go to.</summary>
    public IAnalyticsStore Store { get; }

    /// <summary>What the API and dashboard say about the store.</summary>
    public AnalyticsStoreState State { get; } = new();

    /// <summary>
    /// Writes every closed minute whose grace has passed (all of them, and the current one too, with
    /// <paramref name="closeCurrent"/>), beats the heartbeat when due and cleans up when due.
    /// </summary>
    public async Task FlushAsync(bool closeCurrent, CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            if (closeCurrent)
            {
                _recorder.CloseCurrent();
            }

            var now = _time.GetUtcNow();
            await WriteMinutesAsync(now, closeCurrent, cancellationToken);
            if (now >= _nextHeartbeat || closeCurrent)
            {
                await HeartbeatAsync(now, cancellationToken);
            }

            if (now >= _nextCleanup)
            {
                _nextCleanup = now + CleanupInterval;
                await CleanupAsync(now, cancellationToken);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Said while the host starts, not later from the loop, so it never lands among request logs.
        AnalyticsLog.Started(_logger, Store.Mode, _recorder.InstanceId);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only the wake-up cadence runs on the machine's clock: what is due (grace, heartbeat, retry window, cleanup) is
        // decided by the injected TimeProvider in FlushAsync. A timer on the injected clock would sit among the timers
        // that a gateway's requests set, which tests with a fake clock account for one by one.
        using var cycle = new PeriodicTimer(CycleInterval);
        try
        {
            while (await cycle.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(closeCurrent: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_recorder.IsEnabled)
        {
            // The last minutes of a stopping instance (a scale-in) are written now rather than lost.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await FlushAsync(closeCurrent: true, bounded.Token);
            }
            catch (OperationCanceledException)
            {
                // Shutdown would not wait longer; what was not written is lost with the process.
            }
        }
    }

    private async Task WriteMinutesAsync(DateTimeOffset now, bool all, CancellationToken cancellationToken)
    {
        var pending = _recorder.Pending(now);
        var reachable = true;
        var written = 0;
        foreach (var minute in pending)
        {
            if (!all && now.UtcTicks - minute.SealedAt < Grace.Ticks)
            {
                continue;
            }

            var rows = minute.Rows ??= minute.ToRows(_recorder.InstanceId);
            if (reachable)
            {
                try
                {
                    await Store.WriteAsync(minute.Minute, _recorder.InstanceId, minute.Part, rows, cancellationToken);
                    _recorder.Remove(minute);
                    _metrics.Written();
                    written++;
                    continue;
                }
                catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
                {
                    reachable = false; // the others wait for the next cycle rather than each paying a timeout now
                    _metrics.Failed();
                    State.Failed(now, ex);
                    AnalyticsLog.WriteFailed(_logger, Describe(ex), pending.Count, _retryWindow);
                }
            }

            var minuteEnd = new DateTimeOffset((minute.Minute + 1) * TimeSpan.TicksPerMinute, TimeSpan.Zero);
            if (now - minuteEnd >= _retryWindow)
            {
                _recorder.Remove(minute);
                var requests = rows.Sum(r => r.Counts.Requests);
                _metrics.Dropped(requests);
                State.Dropped(requests);
                AnalyticsLog.Dropped(_logger, minuteEnd - TimeSpan.FromMinutes(1), requests, rows.Count, _retryWindow);
            }
        }

        if (reachable && written > 0 && State.Succeeded(now))
        {
            AnalyticsLog.Recovered(_logger, written);
        }
    }

    private async Task HeartbeatAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await Store.HeartbeatAsync(new InstanceHeartbeat(_recorder.InstanceId, Environment.MachineName, _startedAt, now, Version), cancellationToken);
            _nextHeartbeat = now + HeartbeatInterval;
            if (State.Succeeded(now))
            {
                AnalyticsLog.Recovered(_logger, 0);
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            State.Failed(now, ex);
        }
    }

    private async Task CleanupAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = now - _retention;
        try
        {
            var deleted = await Store.DeleteBeforeAsync(AnalyticsRecorder.MinuteOf(before), now - TimeSpan.FromDays(1), cancellationToken);
            if (deleted > 0)
            {
                AnalyticsLog.Cleaned(_logger, deleted, before);
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            AnalyticsLog.CleanupFailed(_logger, Describe(ex));
        }
    }

    /// <summary>A failure in words that name no account, key or address.</summary>
    internal static string Describe(Exception ex) => ex switch
    {
        Azure.RequestFailedException { Status: > 0 } failed => $"storage answered {failed.Status}",
        OperationCanceledException or TimeoutException => "storage timed out",
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0 => Describe(aggregate.InnerExceptions[^1]),
        _ => "storage unreachable (" + ex.GetType().Name + ")",
    };
}
