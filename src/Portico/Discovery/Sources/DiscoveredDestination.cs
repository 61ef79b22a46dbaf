using Portico.Configuration;

namespace Portico.Discovery.Sources;

/// <summary>One destination a source found, and when the source last saw it (a registration's last heartbeat, or the lookup that returned it).</summary>
internal sealed record DiscoveredDestination(DestinationDefinition Definition, DateTimeOffset LastSeen);
