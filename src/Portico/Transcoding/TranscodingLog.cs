using Microsoft.Extensions.Logging;

namespace Portico.Transcoding;

/// <summary>Log events of transcoding routes (event ids 2800-2899, docs/observability.md).</summary>
internal static partial class TranscodingLog
{
    [LoggerMessage(EventId = 2800, Level = LogLevel.Warning, Message = "Transcoded call on route {RouteId} to backend {BackendId} failed: {Reason}")]
    public static partial void CallFailed(ILogger logger, string routeId, string backendId, string reason, Exception? exception);

    [LoggerMessage(EventId = 2801, Level = LogLevel.Debug, Message = "The request on transcoding route {RouteId} was refused ({Status}): {Reason}")]
    public static partial void RequestRefused(ILogger logger, string routeId, int status, string reason);

    [LoggerMessage(EventId = 2802, Level = LogLevel.Warning, Message = "Method {Method} on route {RouteId} answered {GrpcStatus}: {GrpcMessage}")]
    public static partial void ServiceFailed(ILogger logger, string method, string routeId, string grpcStatus, string? grpcMessage);

    [LoggerMessage(EventId = 2803, Level = LogLevel.Warning, Message = "The stream of method {Method} on route {RouteId} broke after it had started: {Reason}")]
    public static partial void StreamBroken(ILogger logger, string method, string routeId, string reason);
}
