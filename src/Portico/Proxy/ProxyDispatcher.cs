using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Portico.Dispatch;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Resilience;
using Portico.WebSockets;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>
/// Forwards a matched request to the route's backend with YARP, streaming both ways. <paramref name="invoker"/> is
/// the route's resilience pipeline over the backend (or the plain client when resilience is off).
/// </summary>
internal sealed class ProxyDispatcher(
    CompiledBackend backend,
    ForwarderRequestConfig requestConfig,
    IHttpForwarder forwarder,
    GatewayHttpTransformer transformer,
    ForwardingErrors errors,
    HttpMessageInvoker? invoker = null) : IRouteDispatcher
{
    private readonly HttpMessageInvoker _invoker = invoker ?? backend.Invoker;

    public Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        if (WebSocketHandshake.IsRequested(http.Request))
        {
            // YARP would tunnel the upgrade past every limit of the gateway; only routes with 'webSocket' accept one
            // (WebSocketDispatcher). Other upgrades are not forwarded by YARP: those requests go on as plain HTTP.
            return ProblemResponse.WriteAsync(http, WebSocketProblems.NotAllowed);
        }

        context.UpstreamPath = context.Route!.Rewriter.Rewrite(context);
        context.BackendId = backend.Id;
        if (backend.Cluster is { } cluster)
        {
            context.DestinationPicks = cluster.Begin(context); // the transformer hands it to the invoker with the request
        }
        if (http.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true })
        {
            // A failure to read the body is marked as the client's, so it never counts against the backend.
            http.Request.Body = new ClientBodyStream(http.Request.Body, http.RequestAborted);
        }

        var started = Stopwatch.GetTimestamp();
        // No token of our own: the forwarder already links its activity token to http.RequestAborted, and passing that
        // token again registered a second callback on it for every request (issue 25).
        var sending = forwarder.SendAsync(http, backend.DestinationPrefix, _invoker, requestConfig, transformer, CancellationToken.None);
        if (sending.IsCompletedSuccessfully)
        {
            return EndAsync(context, sending.Result, started);
        }

        // What follows the forwarder's answer runs when the stage awaiting the pipeline asks for it
        // (GatewayContext.EndDispatchAsync), not in an asynchronous method of this one's (issue 25).
        var sent = sending.AsTask();
        context.DeferDispatchEnd(this, sent, started);
        return sent;
    }

    /// <summary>After the forwarder: the upstream time, and the answer to a forwarding error.</summary>
    internal Task EndAsync(GatewayContext context, ForwarderError error, long started)
    {
        context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
        return error == ForwarderError.None ? Task.CompletedTask : AnswerAsync(context, error);
    }

    private Task AnswerAsync(GatewayContext context, ForwarderError error)
    {
        var http = context.HttpContext;
        if (error is ForwarderError.ResponseBodyDestination or ForwarderError.UpgradeResponseDestination)
        {
            // The backend broke its response after it had started: the client's status line is already out
            // (a truncated 200 is all it can get), so the records say what happened (issue 23).
            context.Outcome = RequestOutcome.UpstreamAborted;
            (_invoker as ResilientInvoker)?.RecordBrokenResponse();
        }

        if (error == ForwarderError.Request && !http.RequestAborted.IsCancellationRequested
            && ResilienceErrors.TryAnswer(http, http.Features.Get<IForwarderErrorFeature>()?.Exception, out var answer))
        {
            return answer; // a timeout, an open circuit or a full bulkhead: already logged and counted where it happened
        }

        return errors.AnswerAsync(context, error);
    }
}
