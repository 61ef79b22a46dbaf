using System.Diagnostics;
using Portico.Dispatch;
using Portico.Pipeline;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Proxy;

/// <summary>Forwards a matched request to the route's backend with YARP, streaming both ways.</summary>
internal sealed class ProxyDispatcher(
    CompiledBackend backend,
    ForwarderRequestConfig requestConfig,
    IHttpForwarder forwarder,
    GatewayHttpTransformer transformer,
    ForwardingErrors errors) : IRouteDispatcher
{
    public async Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        context.UpstreamPath = context.Route!.Rewriter.Rewrite(http.Request.Path, context.RouteValues);
        context.BackendId = backend.Id;

        var started = Stopwatch.GetTimestamp();
        var error = await forwarder.SendAsync(http, backend.DestinationPrefix, backend.Invoker, requestConfig, transformer, http.RequestAborted);
        context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
        if (error != ForwarderError.None)
        {
            await errors.AnswerAsync(context, error);
        }
    }
}
