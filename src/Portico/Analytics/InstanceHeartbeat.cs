namespace Portico.Analytics;

/// <summary>A gateway instance as its last heartbeat described it (written once a minute by its analytics flusher).</summary>
internal sealed record InstanceHeartbeat(string Id, string Host, DateTimeOffset StartedAt, DateTimeOffset LastSeen, string Version);
