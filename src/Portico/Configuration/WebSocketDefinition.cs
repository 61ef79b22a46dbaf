namespace Portico.Configuration;

/// <summary>
/// A proxy route's WebSocket pass-through (docs/protocols.md): present, the route accepts WebSocket upgrades and relays
/// messages to the backend within these limits. Every field is optional.
/// </summary>
public sealed record WebSocketDefinition
{
    /// <summary>Whether upgrades are accepted; default true when the block is present.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Longest time with no message either way before both sides are closed (1001), such as <c>60s</c>. Default 60s.</summary>
    public string? IdleTimeout { get; init; }

    /// <summary>Largest message, in bytes, relayed either way; a larger one closes both sides with 1009. Default 65536.</summary>
    public int? MaxMessageSize { get; init; }

    /// <summary>Most connections one consumer (or, on an anonymous route, one client address) holds open on this route per instance. Default 10.</summary>
    public int? MaxConnectionsPerConsumer { get; init; }
}
