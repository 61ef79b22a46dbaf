namespace Portico.Discovery;

/// <summary>
/// A cluster's destinations at one moment with the policy built for them, swapped whole when its discovery source finds
/// others: an attempt picks from one set and sends to that set's destination, so a swap never mixes two lists.
/// </summary>
/// <param name="Destinations">The listed destinations, then the discovered ones.</param>
/// <param name="Policy">The balancing policy built for exactly these destinations (a round robin schedule, a hash ring).</param>
/// <param name="SourceVersion">The discovery source's <see cref="Sources.DiscoveredSet.Version"/> it was built from; 0 without a source.</param>
internal sealed record DestinationSet(Destination[] Destinations, BalancingPolicy Policy, long SourceVersion);
