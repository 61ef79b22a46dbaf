using Microsoft.Extensions.Logging;
using Portico.Configuration;
using Portico.Dispatch;
using Portico.Proxy;

namespace Portico.WebSockets;

/// <summary>Compiles a route's <c>webSocket</c> block; errors name the field under <c>webSocket</c>.</summary>
internal sealed class WebSocketCompiler(GatewayHttpTransformer transformer, WebSocketConnections connections, TimeProvider time, ILogger<WebSocketDispatcher> logger)
{
    /// <summary>
    /// The route's dispatcher: <paramref name="proxy"/> itself when the route takes no WebSockets, else a dispatcher
    /// that also accepts them; null after reporting an error.
    /// </summary>
    public IRouteDispatcher? Wrap(RouteDefinition route, ProxyDispatcher proxy, CompiledBackend backend, TimeSpan handshakeTimeout, Action<string, string> error)
    {
        if (route.WebSocket is not { Enabled: not false })
        {
            return proxy;
        }

        if (backend.Cluster is not null)
        {
            // The relay opens its own backend socket and does not choose among destinations (issue 15): refuse
            // the combination rather than connect to the cluster's placeholder address.
            error("webSocket", $"backend '{backend.Definition.Id}' has destinations; WebSocket routes need a backend with one 'url'");
            return null;
        }

        return Compile(route, error) is { } policy
            ? new WebSocketDispatcher(proxy, backend, policy, handshakeTimeout, transformer, connections, time, logger)
            : null;
    }

    /// <summary>The proxy route's policy; null when the route takes no upgrades (no block, or <c>enabled: false</c>) or after reporting an error.</summary>
    public static WebSocketPolicy? Compile(RouteDefinition route, Action<string, string> error)
    {
        if (route.WebSocket is not { } definition || definition.Enabled == false)
        {
            return null;
        }

        var invalid = false;
        var idle = WebSocketPolicy.DefaultIdleTimeout;
        if (definition.IdleTimeout is { } text && (!Duration.TryParse(text, out idle) || idle < TimeSpan.FromSeconds(1) || idle > TimeSpan.FromDays(1)))
        {
            error("webSocket.idleTimeout", $"'{text}' is not a duration from 1s to 1d");
            invalid = true;
        }

        var size = definition.MaxMessageSize ?? WebSocketPolicy.DefaultMaxMessageSize;
        if (size is < 1 or > WebSocketPolicy.MaxMessageSizeLimit)
        {
            error("webSocket.maxMessageSize", $"must be from 1 to {WebSocketPolicy.MaxMessageSizeLimit} bytes");
            invalid = true;
        }

        var connections = definition.MaxConnectionsPerConsumer ?? WebSocketPolicy.DefaultMaxConnectionsPerConsumer;
        if (connections < 1)
        {
            error("webSocket.maxConnectionsPerConsumer", "must be 1 or more");
            invalid = true;
        }

        return invalid ? null : new WebSocketPolicy(route.Id, idle, size, connections);
    }
}
