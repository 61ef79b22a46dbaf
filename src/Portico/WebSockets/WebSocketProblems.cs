using Portico.Problems;

namespace Portico.WebSockets;

/// <summary>The answers to WebSocket handshakes Portico refuses (docs/problems.md).</summary>
internal static class WebSocketProblems
{
    /// <summary>A WebSocket handshake on a route without <c>webSocket</c>.</summary>
    public static readonly Problem NotAllowed = new(400, "websocket-not-allowed", "This route does not accept WebSocket connections");

    /// <summary>A handshake that is not a valid WebSocket opening handshake (RFC 6455 §4.2.1).</summary>
    public static readonly Problem InvalidHandshake = new(400, "invalid-websocket-handshake", "The request is not a valid WebSocket handshake");

    /// <summary>The host cannot pass upgrades (the Azure Functions host); Web PubSub is the way there.</summary>
    public static readonly Problem Unsupported = new(501, "websocket-unsupported", "WebSocket connections cannot pass through this host");

    /// <summary>The consumer already holds the route's maximum of open connections.</summary>
    public static readonly Problem TooManyConnections = new(429, "too-many-connections", "Too many open WebSocket connections");
}
