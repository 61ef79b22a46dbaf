using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Portico.Observability;

namespace Portico.Discovery;

/// <summary>
/// Counts and logs active health checks: probes by outcome, destinations taken out and brought back (on the
/// transitions counter passive health uses, with states <c>unhealthy</c> and <c>healthy</c>), and failures to read or
/// write the shared health table. Log events 2700 to 2709.
/// </summary>
internal sealed partial class ActiveHealthTelemetry
{
    private readonly DiscoveryTelemetry _discovery;
    private readonly ILogger _logger;

    public ActiveHealthTelemetry(PorticoMetrics metrics, DiscoveryTelemetry discovery, ILogger<ActiveHealthTelemetry> logger)
    {
        _discovery = discovery;
        _logger = logger;
        Probes = metrics.Meter.CreateCounter<long>("portico.discovery.health.probes", "{probe}", "Active health probes sent, by outcome (passed, status, timeout, connection-failed).");
        SharedFailures = metrics.Meter.CreateCounter<long>("portico.discovery.health.shared.failures", "{operation}", "Reads and writes of the shared health table that failed (the last known health stays in use).");
    }

    public Counter<long> Probes { get; }

    public Counter<long> SharedFailures { get; }

    public void Probed(string backendId, HealthProbeResult result)
    {
        Probes.Add(1, new KeyValuePair<string, object?>("portico.backend", backendId), new KeyValuePair<string, object?>("outcome", result.Outcome));
        if (!result.Passed)
        {
            LogProbeFailed(_logger, backendId, result.Outcome, result.Status);
        }
    }

    /// <summary>Counts and logs what a probe result (or a state read from the shared table) changed.</summary>
    public void Changed(ActiveHealthState state, ActiveHealthTransition transition, HealthProbeResult? last)
    {
        switch (transition)
        {
            case ActiveHealthTransition.BecameUnhealthy:
                _discovery.HealthTransitions.Add(1, Tags(state, "unhealthy"));
                LogUnhealthy(_logger, state.Url, state.BackendId, last?.Outcome ?? "shared", last?.Status ?? 0);
                break;
            case ActiveHealthTransition.BecameHealthy:
                _discovery.HealthTransitions.Add(1, Tags(state, "healthy"));
                LogHealthy(_logger, state.Url, state.BackendId);
                break;
        }
    }

    public void SharedReadFailed(Exception exception)
    {
        SharedFailures.Add(1, new KeyValuePair<string, object?>("operation", "read"));
        LogSharedReadFailed(_logger, exception);
    }

    public void SharedWriteFailed(Exception exception)
    {
        SharedFailures.Add(1, new KeyValuePair<string, object?>("operation", "write"));
        LogSharedWriteFailed(_logger, exception);
    }

    private static TagList Tags(ActiveHealthState state, string transition) => new()
    {
        { "portico.backend", state.BackendId },
        { "portico.destination", state.Url },
        { "state", transition },
    };

    [LoggerMessage(EventId = 2700, Level = LogLevel.Warning, Message = "Destination {Destination} of backend {BackendId} is unhealthy: its health probes failed (last: {Outcome}, status {Status})")]
    private static partial void LogUnhealthy(ILogger logger, string destination, string backendId, string outcome, int status);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Information, Message = "Destination {Destination} of backend {BackendId} is healthy again: its health probes pass")]
    private static partial void LogHealthy(ILogger logger, string destination, string backendId);

    // Debug: one line per failed probe; the transition's warning says it once.
    [LoggerMessage(EventId = 2702, Level = LogLevel.Debug, Message = "A health probe of backend {BackendId} failed: {Outcome} (status {Status})")]
    private static partial void LogProbeFailed(ILogger logger, string backendId, string outcome, int status);

    [LoggerMessage(EventId = 2703, Level = LogLevel.Warning, Message = "The shared health table could not be read; the last known health stays in use")]
    private static partial void LogSharedReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2704, Level = LogLevel.Warning, Message = "Health probe results could not be written to the shared health table")]
    private static partial void LogSharedWriteFailed(ILogger logger, Exception exception);
}
