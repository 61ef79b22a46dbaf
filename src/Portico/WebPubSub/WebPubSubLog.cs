using Microsoft.Extensions.Logging;

namespace Portico.WebPubSub;

/// <summary>Log events of the Web PubSub bridge (event ids 2900-2999). Tokens, keys and message bodies are never logged.</summary>
internal static partial class WebPubSubLog
{
    [LoggerMessage(EventId = 2900, Level = LogLevel.Warning, Message = "Route {RouteId}: Azure Web PubSub call {Operation} failed: {Detail}")]
    public static partial void ServiceFailed(ILogger logger, string routeId, string operation, string detail, Exception? exception);

    // Information, not Warning: anyone who finds the event path can send forgeries, and each one is refused at no cost.
    [LoggerMessage(EventId = 2901, Level = LogLevel.Information, Message = "Route {RouteId}: refused an event with a missing or forged signature (connection {ConnectionId})")]
    public static partial void SignatureRefused(ILogger logger, string routeId, string connectionId);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Information, Message = "Route {RouteId}: refused the abuse-protection request of origin {Origin}")]
    public static partial void OriginRefused(ILogger logger, string routeId, string origin);

    [LoggerMessage(EventId = 2903, Level = LogLevel.Warning, Message = "Route {RouteId}: event {EventName} could not be handled by backend {BackendId}: {Detail}")]
    public static partial void EventFailed(ILogger logger, string routeId, string eventName, string backendId, string detail, Exception? exception);

    [LoggerMessage(EventId = 2904, Level = LogLevel.Debug, Message = "Route {RouteId}: event {EventName} has no backend and was acknowledged")]
    public static partial void EventUnmapped(ILogger logger, string routeId, string eventName);
}
