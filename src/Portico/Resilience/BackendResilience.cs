using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Portico.Proxy;

namespace Portico.Resilience;

/// <summary>
/// The long-lived resilience state of one backend configuration, shared by every route that calls it and kept
/// across registry reloads while the backend's definition is unchanged: its bulkhead, its retry budget and its
/// circuit (Polly's breaker for what this instance sees, plus the open state adopted from other instances).
/// Per-request work here is a volatile read and Polly's breaker; everything else happens on transitions.
/// </summary>
internal sealed class BackendResilience
{
    private readonly ResilienceTelemetry _telemetry;
    private readonly CircuitBreakerBoard _board;
    private readonly TimeProvider _time;
    private readonly CircuitBreakerManualControl _manualControl = new();
    private readonly CircuitBreakerStateProvider _stateProvider = new();
    private long _sharedOpenUntil; // UTC ticks; 0 when no shared open state applies
    private int _trialInFlight;
    private long _lastLocalTransition; // UTC ticks of this instance's last breaker decision
    private DateTimeOffset _lastAdopted = DateTimeOffset.MinValue;

    public BackendResilience(string backendId, string configHash, BackendResilienceSettings settings, UpstreamClient client, ResilienceTelemetry telemetry, CircuitBreakerBoard board, TimeProvider time)
    {
        BackendId = backendId;
        ConfigHash = configHash;
        Settings = settings;
        Client = client;
        _telemetry = telemetry;
        _board = board;
        _time = time;
        Budget = new RetryBudget(settings.BudgetRatio, settings.BudgetMinRetriesPerSecond, time);
        Bulkhead = new Bulkhead(settings.MaxConcurrency, settings.QueueLimit);

        var protection = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (settings.BreakerEnabled)
        {
            if (settings.Shared && board.IsSharing)
            {
                // Only where another instance's record can arrive; elsewhere the gate would be a no-op hop.
                protection.AddStrategy(_ => new SharedCircuitGate(this, time));
            }

            protection
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
                {
                    FailureRatio = settings.FailureRatio,
                    MinimumThroughput = settings.MinimumThroughput,
                    SamplingDuration = settings.SamplingDuration,
                    BreakDuration = settings.BreakDuration,
                    ShouldHandle = args => new ValueTask<bool>(IsFailure(args.Outcome)),
                    ManualControl = _manualControl,
                    StateProvider = _stateProvider,
                    OnOpened = args => OnLocalOpened(args.Context, args.BreakDuration),
                    OnHalfOpened = args => OnLocalHalfOpened(args.Context),
                    OnClosed = args => OnLocalClosed(args.Context, args.IsManual),
                });
        }

        Protection = protection.Build();
    }

    public string BackendId { get; }

    public string ConfigHash { get; }

    public BackendResilienceSettings Settings { get; }

    /// <summary>The pooled connections to backends.</summary>
    public UpstreamClient Client { get; }

    public RetryBudget Budget { get; }

    /// <summary>The bulkhead: taken once per request, around all its attempts, by <see cref="ResilientInvoker"/>.</summary>
    public Bulkhead Bulkhead { get; }

    /// <summary>The circuit, applied to every attempt.</summary>
    public ResiliencePipeline<HttpResponseMessage> Protection { get; }

    /// <summary>The local breaker's state (Closed when the breaker is off).</summary>
    public CircuitState LocalState => Settings.BreakerEnabled ? _stateProvider.CircuitState : CircuitState.Closed;

    /// <summary>When the open state adopted from another instance ends, if one applies.</summary>
    public DateTimeOffset? SharedOpenUntil => Volatile.Read(ref _sharedOpenUntil) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    internal ref long SharedOpenUntilTicks => ref _sharedOpenUntil;

    internal ref int TrialInFlight => ref _trialInFlight;

    /// <summary>What counts against the backend: connection failures, timeouts and the configured statuses; not a client that went away.</summary>
    public bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { } response && Settings.FailureStatusCodes.Contains((int)response.StatusCode),
        UpstreamTimeoutException or TimeoutRejectedException => true,
        OperationCanceledException or BrokenCircuitException or RateLimiterRejectedException => false,
        _ => true,
    };

    /// <summary>A trial through an adopted open circuit failed: open it again here and tell the others.</summary>
    internal void ReopenShared(string? routeId)
    {
        var now = _time.GetUtcNow();
        var until = now + Settings.BreakDuration;
        Volatile.Write(ref _sharedOpenUntil, until.UtcTicks);
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, routeId, "open", "local");
        ResilienceTelemetry.LogOpened(_telemetry.Logger, BackendId, Settings.BreakDuration.TotalMilliseconds, "trial after a shared break failed");
        Publish(isOpen: true, until, now);
    }

    /// <summary>A trial through an adopted open circuit succeeded: close it here and tell the others.</summary>
    internal void CloseShared(string? routeId)
    {
        var now = _time.GetUtcNow();
        Volatile.Write(ref _sharedOpenUntil, 0);
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, routeId, "closed", "local");
        ResilienceTelemetry.LogClosed(_telemetry.Logger, BackendId, "trial after a shared break succeeded");
        Publish(isOpen: false, now, now);
    }

    /// <summary>
    /// Applies a record another instance wrote: an open circuit is adopted until its end (a newer open extends it);
    /// a close decided after this instance's own last decision closes the adopted state and the local breaker.
    /// </summary>
    public void Adopt(CircuitBreakerRecord record)
    {
        if (!Settings.BreakerEnabled || !Settings.Shared || record.ConfigHash != ConfigHash || record.Instance == _board.InstanceId
            || record.ChangedAt <= _lastAdopted)
        {
            return;
        }

        _lastAdopted = record.ChangedAt;
        var now = _time.GetUtcNow();
        if (record.IsOpen)
        {
            var current = Volatile.Read(ref _sharedOpenUntil);
            if (record.OpenUntil > now && record.OpenUntil.UtcTicks > current)
            {
                Volatile.Write(ref _sharedOpenUntil, record.OpenUntil.UtcTicks);
                if (current == 0 || current <= now.UtcTicks)
                {
                    _telemetry.CircuitChanged(BackendId, null, "open", "shared");
                }

                ResilienceTelemetry.LogAdoptedOpen(_telemetry.Logger, BackendId, record.OpenUntil, record.Instance);
            }

            return;
        }

        if (record.ChangedAt.UtcTicks <= Volatile.Read(ref _lastLocalTransition))
        {
            return; // this instance decided later; its own decision stands
        }

        var wasOpen = Interlocked.Exchange(ref _sharedOpenUntil, 0) != 0;
        var local = _stateProvider.CircuitState;
        if (local is CircuitState.Open or CircuitState.HalfOpen)
        {
            // The other instance's trial proved the backend healthy: stop refusing here as well.
            _ = _manualControl.CloseAsync(CancellationToken.None);
            wasOpen = true;
        }

        if (wasOpen)
        {
            _telemetry.CircuitChanged(BackendId, null, "closed", "shared");
            ResilienceTelemetry.LogAdoptedClosed(_telemetry.Logger, BackendId, record.Instance);
        }
    }

    private ValueTask OnLocalOpened(ResilienceContext context, TimeSpan breakDuration)
    {
        var now = _time.GetUtcNow();
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, context.OperationKey, "open", "local");
        ResilienceTelemetry.LogOpened(_telemetry.Logger, BackendId, breakDuration.TotalMilliseconds, "failure ratio reached");
        Publish(isOpen: true, now + breakDuration, now);
        return default;
    }

    private ValueTask OnLocalHalfOpened(ResilienceContext context)
    {
        _telemetry.CircuitChanged(BackendId, context.OperationKey, "half-open", "local");
        ResilienceTelemetry.LogHalfOpened(_telemetry.Logger, BackendId);
        return default;
    }

    private ValueTask OnLocalClosed(ResilienceContext context, bool isManual)
    {
        if (isManual)
        {
            return default; // closed because another instance's record said so; counted in Adopt
        }

        var now = _time.GetUtcNow();
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, context.OperationKey, "closed", "local");
        ResilienceTelemetry.LogClosed(_telemetry.Logger, BackendId, "trial request succeeded");
        Publish(isOpen: false, now, now);
        return default;
    }

    private void Publish(bool isOpen, DateTimeOffset openUntil, DateTimeOffset changedAt)
    {
        if (Settings.Shared)
        {
            _board.Publish(new CircuitBreakerRecord(BackendId, ConfigHash, isOpen, openUntil, _board.InstanceId, changedAt));
        }
    }
}
