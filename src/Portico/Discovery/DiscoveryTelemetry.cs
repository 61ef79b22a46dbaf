using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Portico.Observability;

namespace Portico.Discovery;

/// <summary>
/// Counts (on the <c>Portico</c> meter) and logs what happens to a backend's destinations: picks per destination,
/// ejections and returns, and requests that found no healthy destination.
/// </summary>
internal sealed partial class DiscoveryTelemetry
{
    private readonly ILogger _logger;

    public DiscoveryTelemetry(PorticoMetrics metrics, ILogger<DiscoveryTelemetry> logger)
    {
        _logger = logger;
        var meter = metrics.Meter;
        Picks = meter.CreateCounter<long>("portico.discovery.picks", "{attempt}", "Attempts sent to each destination of a backend.");
        HealthTransitions = meter.CreateCounter<long>("portico.discovery.health.transitions", "{transition}", "Destinations ejected by passive health checks and returned to service.");
        Gone = meter.CreateCounter<long>("portico.discovery.destination_gone", "{attempt}", "Attempts whose request carried the address of a destination that had left the backend (chosen afresh).");
        NoHealthy = meter.CreateCounter<long>("portico.discovery.no_healthy", "{request}", "Attempts that found no healthy destination (answered 503, or sent to an ejected one when failing open).");
    }

    public Counter<long> Picks { get; }

    public Counter<long> HealthTransitions { get; }

    public Counter<long> NoHealthy { get; }

    public Counter<long> Gone { get; }

    public void Picked(string backendId, Destination destination)
    {
        if (Picks.Enabled)
        {
            Picks.Add(1, new KeyValuePair<string, object?>("portico.backend", backendId), new KeyValuePair<string, object?>("portico.destination", destination.Url));
        }
    }

    public void Ejected(string backendId, Destination destination, TimeSpan length)
    {
        HealthTransitions.Add(1, Tags(backendId, destination, "ejected"));
        LogEjected(_logger, destination.Url, backendId, length.TotalSeconds);
    }

    public void EjectionRefused(string backendId, Destination destination, int ejected)
    {
        LogEjectionRefused(_logger, destination.Url, backendId, ejected);
    }

    public void Returned(string backendId, Destination destination)
    {
        HealthTransitions.Add(1, Tags(backendId, destination, "returned"));
        LogReturned(_logger, destination.Url, backendId);
    }

    public void NoneHealthy(string backendId, bool failOpen)
    {
        NoHealthy.Add(1, new KeyValuePair<string, object?>("portico.backend", backendId), new KeyValuePair<string, object?>("outcome", failOpen ? "fail-open" : "rejected"));
        LogNoneHealthy(_logger, backendId, failOpen);
    }

    public void DestinationGone(string backendId, string address, bool known)
    {
        Gone.Add(1, new KeyValuePair<string, object?>("portico.backend", backendId), new KeyValuePair<string, object?>("known", known));
        if (known)
        {
            LogDestinationGone(_logger, address, backendId);
        }
        else
        {
            LogUnknownAddress(_logger, address, backendId);
        }
    }

    private static TagList Tags(string backendId, Destination destination, string state) => new()
    {
        { "portico.backend", backendId },
        { "portico.destination", destination.Url },
        { "state", state },
    };

    [LoggerMessage(EventId = 2500, Level = LogLevel.Warning, Message = "Destination {Destination} of backend {BackendId} ejected for {Seconds:0.#} s: it failed too often")]
    private static partial void LogEjected(ILogger logger, string destination, string backendId, double seconds);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Destination {Destination} of backend {BackendId} fails too often but stays in: {Ejected} destinations are ejected already, the most allowed")]
    private static partial void LogEjectionRefused(ILogger logger, string destination, string backendId, int ejected);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Information, Message = "Destination {Destination} of backend {BackendId} is back in service after its ejection")]
    private static partial void LogReturned(ILogger logger, string destination, string backendId);

    // Debug: expected while destinations change under load; the counter shows how often.
    [LoggerMessage(EventId = 2610, Level = LogLevel.Debug, Message = "A request's destination {Destination} left backend {BackendId}; the attempt goes to one of its current destinations")]
    private static partial void LogDestinationGone(ILogger logger, string destination, string backendId);

    // Warning: the address is not even one that left recently (more changes than are remembered while one request ran, or a request built elsewhere).
    [LoggerMessage(EventId = 2611, Level = LogLevel.Warning, Message = "A request for backend {BackendId} carries {Address}, no destination it has had lately; the attempt goes to one of its current destinations with the path that follows")]
    private static partial void LogUnknownAddress(ILogger logger, string address, string backendId);

    // Debug: it is logged for every attempt while it lasts; the counter and the ejections' warnings say it loudly enough.
    [LoggerMessage(EventId = 2503, Level = LogLevel.Debug, Message = "No destination of backend {BackendId} is healthy (fail open: {FailOpen})")]
    private static partial void LogNoneHealthy(ILogger logger, string backendId, bool failOpen);
}
