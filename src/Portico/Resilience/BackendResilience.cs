using Polly.CircuitBreaker;
using Polly.Timeout;
using Polly;
using Portico.Proxy;
using Portico.Resilience.Bulkheads;
using Portico.Resilience.CircuitBreakers;
using Portico.Resilience.Retries;
using Portico.Resilience.Timeouts;

namespace Portico.Resilience;

/// <summary>
/// The long-lived resilience state of one backend configuration, shared by every route that calls it and kept
/// across registry reloads while the backend's definition is unchanged: its bulkhead, its retry budget and its
/// circuit (opened by what this instance sees, or by what another instance recorded).
/// Per-request work here is a compare-and-swap for the bulkhead, one for the budget, and the circuit's count.
/// </summary>
internal sealed class BackendResilience
{
    private readonly ResilienceTelemetry _telemetry;
    private readonly CircuitBreakerBoard _board;
    private readonly TimeProvider _time;
    private readonly CircuitBreaker? _breaker;
    private long _lastLocalTransition; // UTC ticks of this instance's last circuit decision
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

        if (settings.BreakerEnabled)
        {
            _breaker = new CircuitBreaker(this, settings, time);
        }
    }

    public string BackendId { get; }

    public string ConfigHash { get; }

    public BackendResilienceSettings Settings { get; }

    /// <summary>The pooled connections to backends.</summary>
    public UpstreamClient Client { get; }

    public RetryBudget Budget { get; }

    /// <summary>The bulkhead: taken once per request, around all its attempts, by <see cref="ResilientInvoker"/>.</summary>
    public Bulkhead Bulkhead { get; }

    /// <summary>The circuit, consulted by every attempt of every route on the backend (one instance, so they share its state); null when the breaker is off.</summary>
    public CircuitBreaker? Breaker => _breaker;

    /// <summary>The circuit's state (Closed when the breaker is off).</summary>
    public CircuitState CircuitState => _breaker?.State ?? CircuitState.Closed;

    /// <summary>When the break ends, while the circuit is open or half-open.</summary>
    public DateTimeOffset? OpenUntil => _breaker?.OpenUntil;

    /// <summary>
    /// What counts against the backend: connection failures, timeouts and the configured statuses; not a client that
    /// went away, nor a client request that could not be read (<see cref="ClientRequestException"/>).
    /// </summary>
    public bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { } response && Settings.FailureStatusCodes.Contains((int)response.StatusCode),
        UpstreamTimeoutException or TimeoutRejectedException => true,
        OperationCanceledException or BrokenCircuitException or BulkheadRejectedException or ClientRequestException => false,
        Discovery.NoHealthyDestinationException => false, // no destination was called; their ejections already said why
        _ => true,
    };

    /// <summary>
    /// Applies a record another instance wrote. An open is adopted until its end by a closed circuit that has no
    /// evidence of its own against it (no call answered well since the open was decided); an open or half-open
    /// circuit keeps its own break, and an open that another instance's failed half-open trial decided is not
    /// adopted: each instance judges a backend it is calling by its own calls and probes with its own trials, so
    /// the instances' trips against a flaky backend do not add up (issue 23). A close decided after this instance's
    /// own last decision closes the circuit here too.
    /// </summary>
    public void Adopt(CircuitBreakerRecord record)
    {
        if (_breaker is null || !Settings.Shared || record.ConfigHash != ConfigHash || record.Instance == _board.InstanceId
            || record.ChangedAt <= _lastAdopted)
        {
            return;
        }

        _lastAdopted = record.ChangedAt;
        if (record.IsOpen && record.AfterTrial)
        {
            return;
        }

        if (record.IsOpen)
        {
            if (record.OpenUntil > _time.GetUtcNow() && _breaker.AdoptOpen(record.OpenUntil, record.ChangedAt))
            {
                _telemetry.CircuitChanged(BackendId, null, "open", "shared");
                ResilienceTelemetry.LogAdoptedOpen(_telemetry.Logger, BackendId, record.OpenUntil, record.Instance);
            }

            return;
        }

        // A close counts only if it was decided after this instance's own last decision.
        if (record.ChangedAt.UtcTicks > Volatile.Read(ref _lastLocalTransition) && _breaker.AdoptClose())
        {
            _telemetry.CircuitChanged(BackendId, null, "closed", "shared");
            ResilienceTelemetry.LogAdoptedClosed(_telemetry.Logger, BackendId, record.Instance);
        }
    }

    internal void OnOpened(string? routeId, DateTimeOffset now, DateTimeOffset until, string reason, bool afterTrial)
    {
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, routeId, "open", "local");
        ResilienceTelemetry.LogOpened(_telemetry.Logger, BackendId, (until - now).TotalMilliseconds, reason);
        Publish(isOpen: true, until, now, afterTrial);
    }

    internal void OnHalfOpened(string? routeId)
    {
        _telemetry.CircuitChanged(BackendId, routeId, "half-open", "local");
        ResilienceTelemetry.LogHalfOpened(_telemetry.Logger, BackendId);
    }

    internal void OnClosed(string? routeId)
    {
        var now = _time.GetUtcNow();
        Volatile.Write(ref _lastLocalTransition, now.UtcTicks);
        _telemetry.CircuitChanged(BackendId, routeId, "closed", "local");
        ResilienceTelemetry.LogClosed(_telemetry.Logger, BackendId, "trial request succeeded");
        Publish(isOpen: false, now, now, afterTrial: false);
    }

    private void Publish(bool isOpen, DateTimeOffset openUntil, DateTimeOffset changedAt, bool afterTrial)
    {
        if (Settings.Shared)
        {
            _board.Publish(new CircuitBreakerRecord(BackendId, ConfigHash, isOpen, openUntil, _board.InstanceId, changedAt, afterTrial));
        }
    }
}
