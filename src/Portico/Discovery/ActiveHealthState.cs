namespace Portico.Discovery;

/// <summary>
/// One destination's active health, kept by backend and destination URL (<see cref="ActiveHealthStates"/>) so that it
/// survives a reload or a discovery source replacing the destination list. A pick reads <see cref="Allows"/> only (one
/// volatile read); probe results arrive from one prober at a time per destination.
/// </summary>
internal sealed class ActiveHealthState(string backendId, string url)
{
    private readonly Lock _lock = new();
    private volatile ActiveHealthStatus _status;
    private int _passes;
    private int _failures;
    private DateTimeOffset? _lastProbe;
    private int _lastStatus;
    private string? _lastOutcome;
    private int _probing;
    private long _nextProbeTicks;
    private long _lastSeenTicks;

    public string BackendId { get; } = backendId;

    public string Url { get; } = url;

    public ActiveHealthStatus Status => _status;

    /// <summary>Whether active health lets the destination be chosen: unless it is unhealthy.</summary>
    public bool Allows => _status != ActiveHealthStatus.Unhealthy;

    /// <summary>When the next probe is due (UTC ticks); 0 before the first is scheduled.</summary>
    public long NextProbeTicks
    {
        get => Volatile.Read(ref _nextProbeTicks);
        set => Volatile.Write(ref _nextProbeTicks, value);
    }

    /// <summary>When a live snapshot last listed the destination (UTC ticks): states no longer listed are forgotten.</summary>
    public long LastSeenTicks
    {
        get => Volatile.Read(ref _lastSeenTicks);
        set => Volatile.Write(ref _lastSeenTicks, value);
    }

    /// <summary>Claims the destination's one probe slot; false when a probe of it is in flight already.</summary>
    public bool TryBeginProbe() => Interlocked.CompareExchange(ref _probing, 1, 0) == 0;

    public void EndProbe() => Volatile.Write(ref _probing, 0);

    /// <summary>Applies a probe's result under the thresholds; returns what it changed.</summary>
    public ActiveHealthTransition Apply(HealthProbeResult result, DateTimeOffset at, int healthyThreshold, int unhealthyThreshold)
    {
        lock (_lock)
        {
            _lastProbe = at;
            _lastStatus = result.Status;
            _lastOutcome = result.Outcome;
            if (result.Passed)
            {
                _passes++;
                _failures = 0;
            }
            else
            {
                _failures++;
                _passes = 0;
            }

            var before = _status;
            _status = (before, result.Passed) switch
            {
                // A first pass is enough to call a destination never judged healthy (Envoy's first check at start-up).
                (ActiveHealthStatus.Unknown, true) => ActiveHealthStatus.Healthy,
                (ActiveHealthStatus.Unhealthy, true) when _passes >= healthyThreshold => ActiveHealthStatus.Healthy,
                (not ActiveHealthStatus.Unhealthy, false) when _failures >= unhealthyThreshold => ActiveHealthStatus.Unhealthy,
                _ => before,
            };

            return Transition(before, _status);
        }
    }

    /// <summary>The state as the admin view and the shared health table show it.</summary>
    public ActiveHealthReport Report()
    {
        lock (_lock)
        {
            return new ActiveHealthReport(_status, _passes, _failures, _lastProbe, _lastStatus, _lastOutcome);
        }
    }

    /// <summary>Takes on a state another instance judged (the shared health table); returns what it changed here.</summary>
    public ActiveHealthTransition Restore(ActiveHealthReport report)
    {
        lock (_lock)
        {
            var before = _status;
            _status = report.Status;
            _passes = report.ConsecutivePasses;
            _failures = report.ConsecutiveFailures;
            _lastProbe = report.LastProbe;
            _lastStatus = report.LastStatus;
            _lastOutcome = report.LastOutcome;
            return Transition(before, _status);
        }
    }

    private static ActiveHealthTransition Transition(ActiveHealthStatus before, ActiveHealthStatus after) => (before, after) switch
    {
        (not ActiveHealthStatus.Unhealthy, ActiveHealthStatus.Unhealthy) => ActiveHealthTransition.BecameUnhealthy,
        (ActiveHealthStatus.Unhealthy, not ActiveHealthStatus.Unhealthy) => ActiveHealthTransition.BecameHealthy,
        _ => ActiveHealthTransition.None,
    };
}
