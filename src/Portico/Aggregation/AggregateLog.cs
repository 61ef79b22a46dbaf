using Microsoft.Extensions.Logging;

namespace Portico.Aggregation;

/// <summary>Log events of composite routes (docs/observability.md). Values substituted into requests are never logged.</summary>
internal static partial class AggregateLog
{
    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Part {Part} of route {RouteId} (backend {BackendId}) failed: {Outcome}, {Detail}")]
    public static partial void PartFailed(ILogger logger, string routeId, string part, string backendId, string outcome, string detail, Exception? exception);

    [LoggerMessage(EventId = 51, Level = LogLevel.Debug, Message = "Part {Part} of route {RouteId} ended without an answer of its own: {Outcome}")]
    public static partial void PartSkipped(ILogger logger, string routeId, string part, string outcome);

    // Debug: a refusal comes once per request, as often as an attacker sends them (issue 23); the metrics count it.
    [LoggerMessage(EventId = 52, Level = LogLevel.Debug, Message = "Route {RouteId} refused a request before calling any backend: {Detail}")]
    public static partial void InputRejected(ILogger logger, string routeId, string detail);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Route {RouteId} answered {StatusCode}: required part {Part} failed ({Outcome})")]
    public static partial void RequiredPartFailed(ILogger logger, string routeId, int statusCode, string part, string outcome);

    // Debug, as event 409 of a proxied request: the circuit opening is the Warning (403), each refusal after it is not.
    [LoggerMessage(EventId = 54, Level = LogLevel.Debug, Message = "Part {Part} of route {RouteId} was refused by backend {BackendId}'s resilience: {Detail}")]
    public static partial void PartRefused(ILogger logger, string routeId, string part, string backendId, string detail);

    [LoggerMessage(EventId = 55, Level = LogLevel.Debug, Message = "Route {RouteId} answered {StatusCode}: required part {Part} was refused by its backend's resilience")]
    public static partial void RequiredPartRefused(ILogger logger, string routeId, int statusCode, string part);
}
