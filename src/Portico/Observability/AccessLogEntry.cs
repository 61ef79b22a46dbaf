using System.Net;

namespace Portico.Observability;

/// <summary>
/// One request as the access log records it; a value type so queuing it allocates nothing. A request the server
/// refused while parsing it has no method, path or route, and says why in <see cref="Refused"/>.
/// </summary>
internal readonly record struct AccessLogEntry(
    DateTimeOffset Time,
    string? Method,
    string? Path,
    int Status,
    string? RouteId,
    string? BackendId,
    string? ConsumerId,
    IPAddress? Client,
    double DurationMs,
    double? UpstreamMs,
    long BytesIn,
    long BytesOut,
    RequestTraceId TraceId,
    RequestOutcome Outcome,
    string? Refused = null,
    string? Cache = null);
