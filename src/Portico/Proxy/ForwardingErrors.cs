using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Security;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>
/// Maps YARP's forwarding errors to answers: connection failures 502, timeouts 504; a request body the client broke
/// 400, sent too slowly 408 or over the limit 413 (the client's fault, logged as such, never the backend's). The
/// problem body never carries backend detail; the log line does.
/// </summary>
internal sealed partial class ForwardingErrors(ILogger<ForwardingErrors> logger, IOptions<PorticoOptions> options)
{
    public Task AnswerAsync(GatewayContext context, ForwarderError error)
    {
        var http = context.HttpContext;
        var exception = http.Features.Get<IForwarderErrorFeature>()?.Exception;
        var fault = ClientRequestException.Find(exception);
        if (fault is { Status: not StatusCodes.Status499ClientClosedRequest } || (fault is null && error == ForwarderError.RequestBodyClient))
        {
            // Checked first: the server aborts a request whose body it refuses, yet the answer can still be written.
            var status = fault?.Status ?? ServerBodyStatus(exception) ?? StatusCodes.Status400BadRequest;
            return AnswerClientFaultAsync(context, status, error, exception);
        }

        // A backend that broke its response also ends the client's connection (the forwarder aborts it), so the
        // client's token is cancelled then too: that is not the client going away.
        if (context.Outcome != RequestOutcome.UpstreamAborted
            && (fault is not null
                || error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                    or ForwarderError.ResponseBodyClient
                || http.RequestAborted.IsCancellationRequested))
        {
            // The client went away; nobody is left to answer. 499 in logs and metrics, as nginx does.
            context.Outcome = RequestOutcome.ClientAborted;
            LogClientAborted(logger, context.RouteId, error);
            if (!http.Response.HasStarted)
            {
                http.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
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
        if (status == StatusCodes.Status408RequestTimeout && IsSlowBody(exception))
        {
            // The client sent its body too slowly (Portico:Limits:MinRequestBodyDataRate): its fault, said as such.
            return ProblemResponse.WriteAsync(http, GatewayProblems.RequestTimeout, RequestLimitsStage.SlowBodyDetail(options.Value.Limits));
        }

        var problem = status switch
        {
            // No limit in the detail: this answer can come before the caller is authenticated.
            StatusCodes.Status413PayloadTooLarge => GatewayProblems.PayloadTooLarge,
            StatusCodes.Status408RequestTimeout => GatewayProblems.RequestTimeout,
            _ => GatewayProblems.BadRequest,
        };
        return ProblemResponse.WriteAsync(http, problem);
    }

    /// <summary>The status the server refused reading the client's body with (413 too large, 408 too slow, 400 malformed), or null.</summary>
    private static int? ServerBodyStatus(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad.StatusCode;
            }
        }

        return null;
    }

    /// <summary>Whether the server gave up on the body for its pace (its 408), rather than a route's timeout running out.</summary>
    private static bool IsSlowBody(Exception? exception) => ServerBodyStatus(exception) == StatusCodes.Status408RequestTimeout;

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Forwarding for route {RouteId} to backend {BackendId} failed: {Error}")]
    private static partial void LogForwardingFailed(ILogger logger, string? routeId, string? backendId, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "The client's request on route {RouteId} could not be forwarded ({Status}, {Error}): {Reason}")]
    private static partial void LogClientFault(ILogger logger, string? routeId, int status, ForwarderError error, string? reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Client aborted the request on route {RouteId} ({Error})")]
    private static partial void LogClientAborted(ILogger logger, string? routeId, ForwarderError error);
}
