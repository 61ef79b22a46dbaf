namespace Portico.Discovery.Sources;

/// <summary>What a source last found, immutable and swapped whole; <see cref="Version"/> grows with every successful refresh (0: never refreshed).</summary>
internal sealed record DiscoveredSet(IReadOnlyList<DiscoveredDestination> Destinations, long Version)
{
    public static readonly DiscoveredSet None = new([], 0);
}
