using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portico.Pipeline;
using Portico.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>
/// Maps YARP's forwarding errors to answers: connection failures 502, timeouts 504; a request body the client broke
/// 400, sent too slowly 408 or over the limit 413 (the client's fault, logged as such, never the backend's). The
/// problem body never carries backend detail; the log line does.
/// </summary>
internal sealed partial class ForwardingErrors(ILogger<ForwardingErrors> logger)
{
    public Task AnswerAsync(GatewayContext context, ForwarderError error)
    {
        var http = context.HttpContext;
        var exception = http.Features.Get<IForwarderErrorFeature>()?.Exception;
        var fault = ClientRequestException.Find(exception);
        if (fault is { Status: not StatusCodes.Status499ClientClosedRequest } || (fault is null && error == ForwarderError.RequestBodyClient))
        {
            // Checked first: the server aborts a request whose body it refuses, yet the answer can still be written.
            return AnswerClientFaultAsync(context, fault?.Status ?? StatusCodes.Status400BadRequest, error, exception);
        }

        if (fault is not null
            || error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            || http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer. 499 in logs and metrics, as nginx does.
            LogClientAborted(logger, context.RouteId, error);
            if (!http.Response.HasStarted)
            {
                http.Response.StatusCode = 499;
            }

            return Task.CompletedTask;
        }

        LogForwardingFailed(logger, context.RouteId, context.BackendId, error, exception);
        var problem = error == ForwarderError.RequestTimedOut ? GatewayProblems.GatewayTimeout : GatewayProblems.BadGateway;

        // Once the response has started the forwarder has already aborted it: a status cannot change any more.
        return ProblemResponse.WriteAsync(http, problem);
    }

    private Task AnswerClientFaultAsync(GatewayContext context, int status, ForwarderError error, Exception? exception)
    {
        var http = context.HttpContext;
        LogClientFault(logger, context.RouteId, status, error, exception?.GetBaseException().Message);
        var problem = status switch
        {
            // No limit in the detail: this answer can come before the caller is authenticated.
            StatusCodes.Status413PayloadTooLarge => GatewayProblems.PayloadTooLarge,
            StatusCodes.Status408RequestTimeout => GatewayProblems.RequestTimeout,
            _ => GatewayProblems.BadRequest,
        };
        return ProblemResponse.WriteAsync(http, problem);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Forwarding for route {RouteId} to backend {BackendId} failed: {Error}")]
    private static partial void LogForwardingFailed(ILogger logger, string? routeId, string? backendId, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "The client's request on route {RouteId} could not be forwarded ({Status}, {Error}): {Reason}")]
    private static partial void LogClientFault(ILogger logger, string? routeId, int status, ForwarderError error, string? reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Client aborted the request on route {RouteId} ({Error})")]
    private static partial void LogClientAborted(ILogger logger, string? routeId, ForwarderError error);
}
