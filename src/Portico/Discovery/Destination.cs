using System.Collections.Frozen;
using Portico.Configuration;

namespace Portico.Discovery;

/// <summary>
/// One instance of a backend at run time: where it is, its weight, the requests in flight to it and its passive
/// health. Kept across registry reloads while its URL, weight and health settings stay the same, so a reload neither
/// forgets an ejection nor loses count of the requests still running.
/// </summary>
internal sealed class Destination
{
    private int _inFlight;
    private long _picks;
    private long _lastSeenTicks;

    public Destination(DestinationDefinition definition, string source, DestinationHealth? health)
    {
        Url = definition.Url;
        Prefix = definition.Url.TrimEnd('/');
        Weight = definition.Weight ?? 1;
        Metadata = definition.Metadata?.ToFrozenDictionary(StringComparer.Ordinal) ?? FrozenDictionary<string, string>.Empty;
        Source = source;
        Health = health;
    }

    /// <summary>The URL as configured.</summary>
    public string Url { get; }

    /// <summary>The URL without a trailing slash; upstream paths are appended to it.</summary>
    public string Prefix { get; }

    public int Weight { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Where the destination came from (<c>registry</c> for a listed one).</summary>
    public string Source { get; }

    /// <summary>When its discovery source last reported it (a registration's heartbeat, a lookup); null for a listed destination.</summary>
    public DateTimeOffset? LastSeen
    {
        get => Interlocked.Read(ref _lastSeenTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        set => Interlocked.Exchange(ref _lastSeenTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>Outlier detection; null when it is off.</summary>
    public DestinationHealth? Health { get; }

    /// <summary>
    /// Active health, kept by backend and URL in <see cref="ActiveHealthStates"/> (so it outlives this object); null
    /// when the backend has no active checks. Set when the snapshot is compiled, and again by each walk of the live
    /// snapshot, so a destination built elsewhere (a discovery source) is checked too.
    /// </summary>
    public ActiveHealthState? Active { get; set; }

    /// <summary>Attempts sent to it whose response headers have not arrived yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How many attempts were sent to it.</summary>
    public long Picks => Interlocked.Read(ref _picks);

    public void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _picks);
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Whether this destination can stand in for <paramref name="definition"/> under <paramref name="settings"/> (same URL, weight and health rules).</summary>
    public bool Matches(DestinationDefinition definition, PassiveHealthSettings? settings) =>
        Url == definition.Url && Weight == (definition.Weight ?? 1) && Health?.Settings.Key == settings?.Key
        && Metadata.Count == (definition.Metadata?.Count ?? 0)
        && (definition.Metadata is null || definition.Metadata.All(pair => Metadata.TryGetValue(pair.Key, out var value) && value == pair.Value));
}
