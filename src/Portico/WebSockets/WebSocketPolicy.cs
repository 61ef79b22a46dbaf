namespace Portico.WebSockets;

/// <summary>A route's compiled WebSocket limits (docs/protocols.md#websockets).</summary>
/// <param name="RouteId">The route, which keys the per-consumer connection counts.</param>
/// <param name="IdleTimeout">Longest silence either way before both sides are closed with 1001.</param>
/// <param name="MaxMessageSize">Largest message relayed either way; a larger one closes both sides with 1009.</param>
/// <param name="MaxConnectionsPerConsumer">Most open connections per consumer (or client address) on the route, per instance.</param>
internal sealed record WebSocketPolicy(string RouteId, TimeSpan IdleTimeout, int MaxMessageSize, int MaxConnectionsPerConsumer)
{
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(60);

    public const int DefaultMaxMessageSize = 64 * 1024;

    /// <summary>16 MiB: a message is a unit the application handles whole; larger transfers belong in HTTP bodies.</summary>
    public const int MaxMessageSizeLimit = 16 * 1024 * 1024;

    public const int DefaultMaxConnectionsPerConsumer = 10;
}
