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
/// Maps YARP's forwarding errors to answers: connection failures 502, timeouts 504, a client body over the
/// limit 413. The problem body never carries backend detail; the log line does.
/// </summary>
internal sealed partial class ForwardingErrors(ILogger<ForwardingErrors> logger, IOptions<PorticoOptions> options)
{
    public Task AnswerAsync(GatewayContext context, ForwarderError error)
    {
        var http = context.HttpContext;
        var exception = http.Features.Get<IForwarderErrorFeature>()?.Exception;
        // A backend that broke its response also ends the client's connection (the forwarder aborts it), so the
        // client's token is cancelled then too: that is not the client going away.
        if (context.Outcome != RequestOutcome.UpstreamAborted
            && (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                or ForwarderError.ResponseBodyClient || http.RequestAborted.IsCancellationRequested))
        {
            // The client went away; nobody is left to answer. 499 in logs and metrics, as nginx does.
            context.Outcome = RequestOutcome.ClientAborted;
            LogClientAborted(logger, context.RouteId, error);
            if (!http.Response.HasStarted)
            {
                http.Response.StatusCode = 499;
            }

            return Task.CompletedTask;
        }

        var clientStatus = error == ForwarderError.RequestBodyClient ? ClientBodyStatus(exception) : 0;
        if (clientStatus == StatusCodes.Status408RequestTimeout)
        {
            // The client sent its body too slowly (Portico:Limits:MinRequestBodyDataRate): its fault, said as such.
            LogSlowBody(logger, context.RouteId);
            return ProblemResponse.WriteAsync(http, GatewayProblems.RequestTimeout, RequestLimitsStage.SlowBodyDetail(options.Value.Limits));
        }

        LogForwardingFailed(logger, context.RouteId, context.BackendId, error, exception);
        var problem = error switch
        {
            ForwarderError.RequestTimedOut => GatewayProblems.GatewayTimeout,
            ForwarderError.RequestBodyClient when clientStatus == StatusCodes.Status413PayloadTooLarge => GatewayProblems.PayloadTooLarge,
            ForwarderError.RequestBodyClient => GatewayProblems.BadRequest,
            _ => GatewayProblems.BadGateway,
        };

        // Once the response has started the forwarder has already aborted it: a status cannot change any more.
        return ProblemResponse.WriteAsync(http, problem);
    }

    /// <summary>The status the server gave reading the client's body failed with (413 too large, 408 too slow), or 0.</summary>
    private static int ClientBodyStatus(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad.StatusCode;
            }
        }

        return 0;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Forwarding for route {RouteId} to backend {BackendId} failed: {Error}")]
    private static partial void LogForwardingFailed(ILogger logger, string? routeId, string? backendId, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Request on route {RouteId} refused with 408: its body arrived slower than the minimum data rate")]
    private static partial void LogSlowBody(ILogger logger, string? routeId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Client aborted the request on route {RouteId} ({Error})")]
    private static partial void LogClientAborted(ILogger logger, string? routeId, ForwarderError error);
}
