namespace Portico.Discovery;

/// <summary>
/// One destination's passive health (outlier detection, as Envoy's): failures in a row, or a failure ratio within an
/// interval, eject it for <c>baseEjectionTime × n</c> (the n-th ejection, capped), and every interval it then stays
/// well takes one off n. Its cluster decides whether an ejection is allowed (the maximum ejected share).
/// </summary>
internal sealed class DestinationHealth(PassiveHealthSettings settings, TimeProvider time)
{
    private readonly Lock _lock = new();
    private long _ejectedUntil; // UTC ticks; 0 while not ejected
    private int _consecutive;
    private int _windowCalls;
    private int _windowFailures;
    private long _windowStart;
    private int _ejections;
    private long _lastEjectionEnd;

    public PassiveHealthSettings Settings { get; } = settings;

    /// <summary>When the current ejection ends, or null when the destination is not ejected.</summary>
    public DateTimeOffset? EjectedUntil
    {
        get
        {
            var until = Volatile.Read(ref _ejectedUntil);
            return until != 0 && until > time.GetUtcNow().UtcTicks ? new DateTimeOffset(until, TimeSpan.Zero) : null;
        }
    }

    /// <summary>How many times the destination was ejected (lessened by the intervals it stayed well since).</summary>
    public int Ejections => Volatile.Read(ref _ejections);

    /// <summary>Whether the destination is ejected at <paramref name="nowTicks"/> (UTC ticks); one read when it never was.</summary>
    public bool IsEjected(long nowTicks)
    {
        var until = Volatile.Read(ref _ejectedUntil);
        return until != 0 && until > nowTicks;
    }

    /// <summary>Whether the destination was ever ejected (so a pick must read the clock to judge it).</summary>
    public bool MayBeEjected => Volatile.Read(ref _ejectedUntil) != 0;

    /// <summary>
    /// Records one call's outcome; true when this failure makes the destination an outlier, which the cluster then
    /// ejects with <see cref="Eject"/> if its share of ejected destinations allows.
    /// </summary>
    /// <param name="failed">Whether the call failed.</param>
    /// <param name="returned">Set when this call is the first recorded since an ejection ended.</param>
    public bool Record(bool failed, out bool returned)
    {
        var now = time.GetUtcNow().UtcTicks;
        returned = false;
        lock (_lock)
        {
            if (_ejectedUntil != 0 && _ejectedUntil <= now)
            {
                // Back from an ejection: it starts with a clean record.
                _lastEjectionEnd = _ejectedUntil;
                _ejectedUntil = 0;
                _consecutive = 0;
                ResetWindow(now);
                returned = true;
            }

            if (now - _windowStart >= Settings.Interval.Ticks)
            {
                ResetWindow(now);
            }

            _windowCalls++;
            if (!failed)
            {
                _consecutive = 0;
                return false;
            }

            _consecutive++;
            _windowFailures++;
            if (_ejectedUntil != 0)
            {
                return false; // an attempt that began before the ejection: already out
            }

            return _consecutive >= Settings.ConsecutiveFailures
                || (_windowCalls >= Settings.MinimumRequests && _windowFailures >= Settings.FailureRatio * _windowCalls);
        }
    }

    /// <summary>Ejects the destination; returns how long for.</summary>
    public TimeSpan Eject()
    {
        var now = time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (_lastEjectionEnd != 0)
            {
                // Each interval spent well since the last ejection forgives one (Envoy's decay of the multiplier).
                var forgiven = (now - _lastEjectionEnd) / Settings.Interval.Ticks;
                _ejections = (int)Math.Max(0, _ejections - forgiven);
            }

            _ejections++;
            var length = TimeSpan.FromTicks(Math.Min(Settings.BaseEjectionTime.Ticks * _ejections, Settings.MaxEjectionTime.Ticks));
            _ejectedUntil = now + length.Ticks;
            _consecutive = 0;
            ResetWindow(now);
            return length;
        }
    }

    private void ResetWindow(long now)
    {
        _windowStart = now;
        _windowCalls = 0;
        _windowFailures = 0;
    }
}
