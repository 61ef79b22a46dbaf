using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Portico.Observability;

namespace Portico.Discovery.Sources;

/// <summary>
/// Counts (on the <c>Portico</c> meter) and logs what discovery sources do: refreshes by outcome, entries left out,
/// and registrations through the admin API. Log events 2600 to 2609.
/// </summary>
internal sealed partial class DiscoverySourceTelemetry
{
    private readonly ILogger _logger;

    public DiscoverySourceTelemetry(PorticoMetrics metrics, ILogger<DiscoverySourceTelemetry> logger)
    {
        _logger = logger;
        Refreshes = metrics.Meter.CreateCounter<long>(
            "portico.discovery.refreshes", "{refresh}", "Refreshes of discovery sources, by outcome (ok, failed); a failed one keeps the last known destinations.");
        Registrations = metrics.Meter.CreateCounter<long>(
            "portico.discovery.registrations", "{call}", "Instances registered (or heartbeats) and deregistered through the admin API.");
    }

    public Counter<long> Refreshes { get; }

    public Counter<long> Registrations { get; }

    public void Refreshed(DiscoverySettings source, int count, bool changed)
    {
        Refreshes.Add(1, Tag("portico.backend", source.BackendId), Tag("source", source.Type), Tag("outcome", "ok"));
        if (changed)
        {
            LogChanged(_logger, source.BackendId, source.Type, count);
        }
    }

    public void RefreshFailed(DiscoverySettings source, string reason, int kept)
    {
        Refreshes.Add(1, Tag("portico.backend", source.BackendId), Tag("source", source.Type), Tag("outcome", "failed"));
        LogFailed(_logger, source.Type, source.BackendId, kept, reason);
    }

    public void EntryRefused(DiscoverySettings source, string entry, string reason) =>
        LogEntryRefused(_logger, source.Type, source.BackendId, entry.Length > 200 ? entry[..200] : entry, reason);

    public void Truncated(DiscoverySettings source, int found) => LogTruncated(_logger, source.Type, source.BackendId, found, source.MaxDestinations);

    public void Registered(string backendId, string url, string principal, TimeSpan ttl)
    {
        Registrations.Add(1, Tag("portico.backend", backendId), Tag("action", "register"));
        LogRegistered(_logger, url, backendId, principal, ttl.TotalSeconds);
    }

    public void Deregistered(string backendId, string url, string principal)
    {
        Registrations.Add(1, Tag("portico.backend", backendId), Tag("action", "deregister"));
        LogDeregistered(_logger, url, backendId, principal);
    }

    public void Expired(string backendId, int count) => LogExpired(_logger, count, backendId);

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    [LoggerMessage(EventId = 2600, Level = LogLevel.Warning, Message = "Discovery source {Source} of backend {BackendId} could not be refreshed; its {Kept} last known destinations stay: {Reason}")]
    private static partial void LogFailed(ILogger logger, string source, string backendId, int kept, string reason);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Information, Message = "Backend {BackendId} now has {Count} destinations from its {Source} source")]
    private static partial void LogChanged(ILogger logger, string backendId, string source, int count);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Warning, Message = "Discovery source {Source} of backend {BackendId} returned an entry that is not a destination, left out: {Entry}: {Reason}")]
    private static partial void LogEntryRefused(ILogger logger, string source, string backendId, string entry, string reason);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Warning, Message = "Discovery source {Source} of backend {BackendId} returned {Found} entries; only the first {Max} are used (maxDestinations)")]
    private static partial void LogTruncated(ILogger logger, string source, string backendId, int found, int max);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Information, Message = "Instance {Url} of backend {BackendId} registered by {Principal} for {Seconds:0} s")]
    private static partial void LogRegistered(ILogger logger, string url, string backendId, string principal, double seconds);

    [LoggerMessage(EventId = 2605, Level = LogLevel.Information, Message = "Instance {Url} of backend {BackendId} deregistered by {Principal}")]
    private static partial void LogDeregistered(ILogger logger, string url, string backendId, string principal);

    [LoggerMessage(EventId = 2606, Level = LogLevel.Information, Message = "{Count} registrations of backend {BackendId} expired without a heartbeat and were removed")]
    private static partial void LogExpired(ILogger logger, int count, string backendId);
}
