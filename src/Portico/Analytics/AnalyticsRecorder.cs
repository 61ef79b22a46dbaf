using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;

namespace Portico.Analytics;

/// <summary>
/// Counts every routed request into the current minute's cell of its route × consumer × status class. The request path
/// costs one clock read, one dictionary lookup on a key of references it already holds and a few interlocked increments:
/// no lock (except once a minute, to open the next minute) and no allocation once a cell exists. Closed minutes wait in
/// <see cref="Pending"/> for <see cref="AnalyticsFlusher"/>.
/// </summary>
internal sealed class AnalyticsRecorder
{
    private readonly TimeProvider _time;
    private readonly int _maxCells;
    private readonly Lock _lock = new();
    private readonly List<AnalyticsMinute> _pending = [];
    private AnalyticsMinute _current;

    public AnalyticsRecorder(IOptions<PorticoOptions> options, TimeProvider time)
    {
        var settings = options.Value.Analytics;
        IsEnabled = settings.Enabled;
        InstanceId = settings.InstanceId ?? $"{Sanitize(Environment.MachineName)}-{Guid.NewGuid().ToString("N")[..6]}";
        _maxCells = settings.MaxCellsPerMinute;
        _time = time;
        _current = new AnalyticsMinute(MinuteOf(time.GetUtcNow()), 0, _maxCells);
    }

    /// <summary>Whether requests are counted.</summary>
    public bool IsEnabled { get; }

    /// <summary>This instance's name in rollups and heartbeats.</summary>
    public string InstanceId { get; }

    /// <summary>The minute of <paramref name="time"/>, in minutes since 0001-01-01 UTC.</summary>
    public static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    /// <summary>Counts a request that has ended (called by <see cref="ObservabilityStage"/>).</summary>
    public void Record(GatewayContext context, int status, TimeSpan elapsed, long bytesIn, long bytesOut)
    {
        if (!IsEnabled || context.IsPorticoEndpoint)
        {
            return; // health probes and admin calls (the dashboard's own polling) are not traffic
        }

        var minute = _time.GetUtcNow().UtcTicks / TimeSpan.TicksPerMinute;
        var current = Volatile.Read(ref _current);
        if (current.Minute != minute)
        {
            current = Advance(minute);
        }

        var problem = context.Problem;
        var key = new AnalyticsCellKey(context.RouteId ?? "", context.Identity.ConsumerId ?? "", AnalyticsSignals.StatusClassOf(status));
        current.Cell(key).Record(
            elapsed.TotalMilliseconds, bytesIn, bytesOut,
            rateLimited: status == 429,
            upstreamError: context.Outcome == RequestOutcome.UpstreamAborted || AnalyticsSignals.IsUpstreamError(problem),
            AnalyticsSignals.AuthReasonOf(problem),
            AnalyticsSignals.CacheOutcomeOf(context.CacheOutcome));
    }

    /// <summary>
    /// Closes the current minute if <paramref name="now"/> is past it (so a quiet instance still sends its last minute) and
    /// returns the closed minutes not yet written, oldest first.
    /// </summary>
    public IReadOnlyList<AnalyticsMinute> Pending(DateTimeOffset now)
    {
        Advance(MinuteOf(now));
        lock (_lock)
        {
            return [.. _pending];
        }
    }

    /// <summary>
    /// Closes the current minute whatever the time (at shutdown, so its requests are written too); requests later in the
    /// same minute go to a new part of it, stored beside the first.
    /// </summary>
    public void CloseCurrent()
    {
        lock (_lock)
        {
            if (!_current.IsEmpty)
            {
                Seal(_current);
                _current = new AnalyticsMinute(_current.Minute, _current.Part + 1, _maxCells);
            }
        }
    }

    /// <summary>Forgets a closed minute (written, or dropped after its retry window).</summary>
    public void Remove(AnalyticsMinute minute)
    {
        lock (_lock)
        {
            _pending.Remove(minute);
        }
    }

    /// <summary>This instance's rows that are not in storage yet (the current minute and unwritten closed ones) within [from, to).</summary>
    public List<AnalyticsRow> Unsent(long fromMinute, long toMinute)
    {
        AnalyticsMinute[] minutes;
        lock (_lock)
        {
            minutes = [.. _pending, _current];
        }

        var rows = new List<AnalyticsRow>();
        foreach (var minute in minutes)
        {
            if (minute.Minute >= fromMinute && minute.Minute < toMinute)
            {
                rows.AddRange(minute.Rows ?? minute.ToRows(InstanceId));
            }
        }

        return rows;
    }

    private AnalyticsMinute Advance(long minute)
    {
        lock (_lock)
        {
            if (_current.Minute < minute)
            {
                Seal(_current);
                _current = new AnalyticsMinute(minute, 0, _maxCells);
            }

            return _current; // a clock that stepped back keeps counting into the newest minute
        }
    }

    private void Seal(AnalyticsMinute minute)
    {
        if (!minute.IsEmpty)
        {
            minute.SealedAt = _time.GetUtcNow().UtcTicks;
            _pending.Add(minute);
        }
    }

    private static string Sanitize(string name)
    {
        // A loop, not LINQ over chars: it runs once at start-up, where each generic method over a value type is
        // compiled at first use even in a ReadyToRun build (docs/performance.md).
        Span<char> kept = stackalloc char[48];
        var length = 0;
        foreach (var c in name)
        {
            if (length == kept.Length)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            {
                kept[length++] = c;
            }
        }

        return length == 0 ? "instance" : new string(kept[..length]);
    }
}
