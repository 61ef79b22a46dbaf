using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Proxy;

namespace Portico.WebSockets;

/// <summary>
/// A proxy route that also accepts WebSockets. Ordinary requests go to the route's proxy; a WebSocket handshake,
/// which has passed every stage before dispatch (authentication, authorization, rate limits) like any request, opens
/// a WebSocket to the backend first and only then accepts the client's, so a backend that refuses is answered with a
/// plain HTTP problem. Messages are then relayed within the route's limits (<see cref="WebSocketRelay"/>).
/// </summary>
/// <remarks>
/// The gateway ends the WebSocket on each side rather than tunnelling bytes, because its limits (message size,
/// idle time) are about messages; extensions such as permessage-deflate are therefore not negotiated through.
/// </remarks>
internal sealed partial class WebSocketDispatcher(
    ProxyDispatcher proxy,
    CompiledBackend backend,
    WebSocketPolicy policy,
    TimeSpan handshakeTimeout,
    GatewayHttpTransformer transformer,
    WebSocketConnections connections,
    TimeProvider time,
    ILogger logger) : IRouteDispatcher
{
    /// <summary>The route's proxy, which answers every request that is not a WebSocket handshake.</summary>
    public ProxyDispatcher Proxy => proxy;

    public Task DispatchAsync(GatewayContext context) =>
        WebSocketHandshake.IsRequested(context.HttpContext.Request) ? ConnectAsync(context) : proxy.DispatchAsync(context);

    private async Task ConnectAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        if (http.Features.Get<IHttpWebSocketFeature>() is null)
        {
            // The Functions host forwards requests to the worker over HTTP and cannot pass an upgrade on: point the
            // client to the Web PubSub bridge when the registry has one (docs/protocols.md#azure-web-pubsub).
            if (WebPubSub.WebPubSubNegotiateHint.PathIn(context.Snapshot) is { } negotiate)
            {
                await ProblemResponse.WriteAsync(http, WebSocketProblems.Unsupported,
                    $"This host cannot hold WebSocket connections: get an Azure Web PubSub client URL from {negotiate} and connect there.",
                    [new("negotiate", negotiate)]);
                return;
            }

            await ProblemResponse.WriteAsync(http, WebSocketProblems.Unsupported, "Connect to a gateway run with 'portico serve', or bridge WebSocket clients through Azure Web PubSub (webPubSub routes).");
            return;
        }

        if (!http.WebSockets.IsWebSocketRequest)
        {
            await ProblemResponse.WriteAsync(http, WebSocketProblems.InvalidHandshake, "A WebSocket handshake is a GET with 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13' and a 'Sec-WebSocket-Key' (RFC 6455 section 4.1).");
            return;
        }

        var consumer = context.Identity.ConsumerId ?? context.Identity.Subject ?? context.Client.Address?.ToString() ?? "";
        if (!connections.TryOpen(policy.RouteId, consumer, policy.MaxConnectionsPerConsumer))
        {
            LogTooManyConnections(logger, policy.RouteId, policy.MaxConnectionsPerConsumer);
            await ProblemResponse.WriteAsync(http, WebSocketProblems.TooManyConnections, $"At most {policy.MaxConnectionsPerConsumer} connections at once on this route.");
            return;
        }

        try
        {
            context.UpstreamPath = context.Route!.Rewriter.Rewrite(context);
            context.BackendId = backend.Id;
            using var upstream = await OpenBackendAsync(context);
            if (upstream is null)
            {
                return; // answered
            }

            var accept = new WebSocketAcceptContext { SubProtocol = upstream.SubProtocol, KeepAliveInterval = TimeSpan.Zero };
            using var client = await http.WebSockets.AcceptWebSocketAsync(accept);
            var started = Stopwatch.GetTimestamp();
            var relay = new WebSocketRelay(client, upstream, policy, time);
            await relay.RunAsync(http.RequestAborted);
            context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
            LogClosed(logger, policy.RouteId, backend.Id, relay.Ending);
        }
        finally
        {
            connections.Close(policy.RouteId, consumer);
        }
    }

    /// <summary>Opens the backend's WebSocket with the request's cleaned headers; null after answering the client when it cannot.</summary>
    private async Task<ClientWebSocket?> OpenBackendAsync(GatewayContext context)
    {
        var http = context.HttpContext;

        // The headers the backend gets are those of any proxied request: spoofable and platform headers removed,
        // identity and X-Forwarded-* written by the gateway, an invalid header answered as the client's fault.
        using var shaped = new HttpRequestMessage(HttpMethod.Get, backend.DestinationPrefix);
        await transformer.TransformRequestAsync(http, shaped, backend.DestinationPrefix, http.RequestAborted);
        if (http.Response.HasStarted || context.BackendId is null)
        {
            return null;
        }

        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // the relay forwards the client's own pings and pongs as frames
        foreach (var header in shaped.Headers.NonValidated)
        {
            if (!header.Key.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase)
                && !header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                socket.Options.SetRequestHeader(header.Key, string.Join(", ", header.Value));
            }
        }

        foreach (var protocol in http.WebSockets.WebSocketRequestedProtocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        var uri = new UriBuilder(shaped.RequestUri!) { Scheme = shaped.RequestUri!.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        using var timeout = new CancellationTokenSource(handshakeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, http.RequestAborted);
        try
        {
            await socket.ConnectAsync(uri, backend.Invoker, linked.Token);
            return socket;
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            if (http.RequestAborted.IsCancellationRequested)
            {
                context.Outcome = Observability.RequestOutcome.ClientAborted;
                return null;
            }

            LogBackendRefused(logger, policy.RouteId, backend.Id, status, ex.Message);
            var timedOut = timeout.IsCancellationRequested;
            await ProblemResponse.WriteAsync(http, timedOut ? GatewayProblems.GatewayTimeout : GatewayProblems.BadGateway,
                timedOut ? "The backend did not complete the WebSocket handshake in time." : status > 0 ? $"The backend refused the WebSocket handshake with status {status}." : null);
            return null;
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "The WebSocket handshake on route {RouteId} to backend {BackendId} failed (backend status {Status}): {Error}")]
    private static partial void LogBackendRefused(ILogger logger, string routeId, string backendId, int status, string error);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "A consumer on route {RouteId} already holds {Limit} WebSocket connections; the handshake was refused")]
    private static partial void LogTooManyConnections(ILogger logger, string routeId, int limit);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Debug, Message = "WebSocket on route {RouteId} to backend {BackendId} ended: {Ending}")]
    private static partial void LogClosed(ILogger logger, string routeId, string backendId, string ending);
}
