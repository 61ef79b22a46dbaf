using System.Net;

namespace Portico.Observability;

/// <summary>One request as the access log records it; a value type so queuing it allocates nothing.</summary>
internal readonly record struct AccessLogEntry(
    DateTimeOffset Time,
    string Method,
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
    string? TraceId,
    string? Cache = null);
