using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;

namespace Portico.RateLimiting;

/// <summary>
/// Whether counter storage is usable, shared by every policy and key of this instance. The first failure trips it:
/// for <see cref="RateLimitingOptions.OutageProbeInterval"/> no request waits on storage (each policy applies its
/// failure mode at once); then a single request probes, and a success closes it again. Only the transitions are
/// logged, so an outage writes two log lines, not one per request.
/// </summary>
/// <remarks>
/// A circuit breaker of its own rather than Polly's: it must trip on the first failure (Polly's needs a minimum
/// throughput of at least two calls in a sampling window), be shared across all counters, and tell callers how long
/// until the next probe (for <c>Retry-After</c>) without an exception.
/// </remarks>
internal sealed partial class StorageHealth(IOptions<PorticoOptions> options, TimeProvider time, PorticoMetrics metrics, ILogger<StorageHealth> logger)
{
    private readonly long _probeInterval = options.Value.RateLimiting.OutageProbeInterval.Ticks;
    private long _retryAt; // 0 while healthy: when the next probe may go (UTC ticks)
    private int _probing;

    public bool IsDegraded => Volatile.Read(ref _retryAt) != 0;

    /// <summary>Whether requests must not wait on storage now (degraded, and not yet time for a probe, or one is out).</summary>
    public bool IsOpen(long now)
    {
        var retryAt = Volatile.Read(ref _retryAt);
        return retryAt != 0 && (now < retryAt || Volatile.Read(ref _probing) != 0);
    }

    /// <summary>
    /// Whether a request may use storage now. While degraded, only one request at a time gets true (the probe);
    /// it must end with <see cref="ReportSuccess"/> or <see cref="ReportFailure"/>.
    /// </summary>
    public bool CanUseStorage(long now)
    {
        var retryAt = Volatile.Read(ref _retryAt);
        if (retryAt == 0)
        {
            return true;
        }

        return now >= retryAt && Interlocked.CompareExchange(ref _probing, 1, 0) == 0;
    }

    /// <summary>Ends a probe that made no storage call after all (the request was decided from memory).</summary>
    public void ReleaseProbe() => Volatile.Write(ref _probing, 0);

    /// <summary>Ticks until storage is tried again (at least one second, for <c>Retry-After</c>).</summary>
    public long RetryAfter(long now) => Math.Max(TimeSpan.TicksPerSecond, Volatile.Read(ref _retryAt) - now);

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _retryAt) == 0 && Volatile.Read(ref _probing) == 0)
        {
            return; // the common case: healthy, nothing to write to shared cache lines
        }

        Volatile.Write(ref _probing, 0);
        if (Interlocked.Exchange(ref _retryAt, 0) != 0)
        {
            LogRecovered(logger);
            metrics.RateLimitStorageTransitions.Add(1, new KeyValuePair<string, object?>("state", "recovered"));
        }
    }

    public void ReportFailure(string reason)
    {
        var now = time.GetUtcNow().UtcTicks;
        var previous = Interlocked.Exchange(ref _retryAt, now + _probeInterval);
        Volatile.Write(ref _probing, 0);
        if (previous == 0)
        {
            LogDegraded(logger, reason, TimeSpan.FromTicks(_probeInterval).TotalSeconds);
            metrics.RateLimitStorageTransitions.Add(1, new KeyValuePair<string, object?>("state", "degraded"));
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning,
        Message = "Rate-limit counter storage failed ({Reason}); policies apply their failure mode (failOpen: local limits at this instance's share, failClosed: 503) and storage is probed again every {ProbeSeconds} s")]
    private static partial void LogDegraded(ILogger logger, string reason, double probeSeconds);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Rate-limit counter storage is back; shared counting resumed")]
    private static partial void LogRecovered(ILogger logger);
}
