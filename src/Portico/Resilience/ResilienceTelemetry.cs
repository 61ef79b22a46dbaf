using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Portico.Observability;

namespace Portico.Resilience;

/// <summary>
/// Counts (on the <c>Portico</c> meter) and logs every resilience event with the route and backend it concerns:
/// retries, budget refusals, timeouts, circuit transitions, rejections and fallbacks. Only failure paths call it.
/// </summary>
internal sealed partial class ResilienceTelemetry
{
    private readonly ILogger _logger;

    public ResilienceTelemetry(PorticoMetrics metrics, ILogger<ResilienceTelemetry> logger)
    {
        _logger = logger;
        var meter = metrics.Meter;
        Retries = meter.CreateCounter<long>("portico.resilience.retries", "{retry}", "Attempts repeated after a failure.");
        BudgetExhausted = meter.CreateCounter<long>("portico.resilience.retry_budget.exhausted", "{retry}", "Retries refused because the backend's retry budget was spent.");
        Timeouts = meter.CreateCounter<long>("portico.resilience.timeouts", "{timeout}", "Route or attempt timeouts.");
        CircuitTransitions = meter.CreateCounter<long>("portico.resilience.circuit.transitions", "{transition}", "Circuit breaker state changes.");
        Rejections = meter.CreateCounter<long>("portico.resilience.rejections", "{request}", "Requests answered without calling the backend (circuit open, bulkhead full).");
        Fallbacks = meter.CreateCounter<long>("portico.resilience.fallbacks", "{fallback}", "Requests answered by a fallback.");
        SharedStateOperations = meter.CreateCounter<long>("portico.resilience.circuit.store", "{operation}", "Reads and writes of shared circuit state in Table storage.");
    }

    public Counter<long> Retries { get; }

    public Counter<long> BudgetExhausted { get; }

    public Counter<long> Timeouts { get; }

    public Counter<long> CircuitTransitions { get; }

    public Counter<long> Rejections { get; }

    public Counter<long> Fallbacks { get; }

    public Counter<long> SharedStateOperations { get; }

    public ILogger Logger => _logger;

    public void Retried(string? routeId, string backendId, int attempt, string reason, TimeSpan delay)
    {
        Retries.Add(1, Tags(routeId, backendId, "reason", reason));
        LogRetry(_logger, routeId, backendId, attempt, reason, delay.TotalMilliseconds);
    }

    public void RetryRefusedByBudget(string? routeId, string backendId)
    {
        BudgetExhausted.Add(1, Tags(routeId, backendId));
        LogBudgetExhausted(_logger, backendId, routeId);
    }

    public void TimedOut(string? routeId, string backendId, string kind, TimeSpan timeout)
    {
        Timeouts.Add(1, Tags(routeId, backendId, "kind", kind));
        LogTimeout(_logger, routeId, backendId, kind, timeout.TotalMilliseconds);
    }

    public void CircuitChanged(string backendId, string? routeId, string state, string source)
    {
        var tags = Tags(routeId, backendId, "state", state);
        tags.Add("source", source);
        CircuitTransitions.Add(1, tags);
    }

    public void Rejected(string? routeId, string backendId, string reason)
    {
        Rejections.Add(1, Tags(routeId, backendId, "reason", reason));
    }

    public void FellBack(string? routeId, string backendId, string kind, string reason)
    {
        Fallbacks.Add(1, Tags(routeId, backendId, "kind", kind));
        LogFallback(_logger, routeId, kind, backendId, reason);
    }

    public void StoreOperation(string operation, bool succeeded) =>
        SharedStateOperations.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));

    private static TagList Tags(string? routeId, string backendId) => new()
    {
        { "portico.route", routeId ?? "" },
        { "portico.backend", backendId },
    };

    private static TagList Tags(string? routeId, string backendId, string name, string value)
    {
        var tags = Tags(routeId, backendId);
        tags.Add(name, value);
        return tags;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Retrying route {RouteId} on backend {BackendId}: attempt {Attempt} failed ({Reason}); next attempt in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string? routeId, string backendId, int attempt, string reason, double delayMs);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Retry budget of backend {BackendId} is spent; route {RouteId} answers without retrying")]
    private static partial void LogBudgetExhausted(ILogger logger, string backendId, string? routeId);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Route {RouteId} timed out waiting for backend {BackendId} ({Kind} timeout {TimeoutMs:0} ms)")]
    private static partial void LogTimeout(ILogger logger, string? routeId, string backendId, string kind, double timeoutMs);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Circuit of backend {BackendId} opened for {BreakMs:0} ms ({Source}); requests are answered 503 without calling it")]
    public static partial void LogOpened(ILogger logger, string backendId, double breakMs, string source);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Circuit of backend {BackendId} is half-open: a trial request goes through")]
    public static partial void LogHalfOpened(ILogger logger, string backendId);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Circuit of backend {BackendId} closed ({Source})")]
    public static partial void LogClosed(ILogger logger, string backendId, string source);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Circuit of backend {BackendId} adopted as open until {OpenUntil:O}, as recorded by instance {Instance}")]
    public static partial void LogAdoptedOpen(ILogger logger, string backendId, DateTimeOffset openUntil, string instance);

    [LoggerMessage(EventId = 407, Level = LogLevel.Information, Message = "Circuit of backend {BackendId} adopted as closed, as recorded by instance {Instance}")]
    public static partial void LogAdoptedClosed(ILogger logger, string backendId, string instance);

    // Debug, as event 409: a full bulkhead refuses every request past it; portico.resilience.rejections counts them (issue 23).
    [LoggerMessage(EventId = 408, Level = LogLevel.Debug, Message = "Bulkhead of backend {BackendId} is full; a request on route {RouteId} was refused")]
    public static partial void LogBulkheadFull(ILogger logger, string backendId, string? routeId);

    [LoggerMessage(EventId = 409, Level = LogLevel.Debug, Message = "Circuit of backend {BackendId} is open; a request on route {RouteId} was answered without calling it")]
    public static partial void LogCircuitRejected(ILogger logger, string backendId, string? routeId);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Route {RouteId} answered with its {Kind} fallback after backend {BackendId} failed ({Reason})")]
    private static partial void LogFallback(ILogger logger, string? routeId, string kind, string backendId, string reason);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Shared circuit state in {Store} could not be {Operation}; circuits keep working locally: {Reason}")]
    public static partial void LogStoreFailed(ILogger logger, string store, string operation, string reason);

    [LoggerMessage(EventId = 412, Level = LogLevel.Information, Message = "Circuit breakers are shared through {Store} as instance {Instance}, read every {Interval}")]
    public static partial void LogSharing(ILogger logger, string store, string instance, TimeSpan interval);
}
