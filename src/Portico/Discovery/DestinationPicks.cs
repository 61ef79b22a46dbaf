namespace Portico.Discovery;

/// <summary>
/// One request's destinations, across its attempts: its affinity key, which destinations it tried (so a retry goes
/// elsewhere) and which one's address the request URI carries now. Rides on the upstream request's options, and is
/// carried to the copies a retry sends.
/// </summary>
internal sealed class DestinationPicks(DestinationCluster cluster, ulong? key, CancellationToken callerToken, bool knowsCaller)
{
    public static readonly HttpRequestOptionsKey<DestinationPicks> OptionsKey = new("Portico.DestinationPicks");

    public DestinationCluster Cluster { get; } = cluster;

    /// <summary>The affinity key's hash, when the policy uses one and the request has one.</summary>
    public ulong? Key { get; } = key;

    /// <summary>The client's token: when it was cancelled, an attempt that failed was the client going away, not the destination failing.</summary>
    public CancellationToken CallerToken { get; } = callerToken;

    /// <summary>Whether <see cref="CallerToken"/> is the client's (a proxied request) rather than unknown.</summary>
    public bool KnowsCaller { get; } = knowsCaller;

    /// <summary>Destinations tried, one bit per index (the first 64) in the set they were chosen from.</summary>
    public ulong Tried { get; private set; }

    /// <summary>The set <see cref="Tried"/> indexes; null before the first choice.</summary>
    public DestinationSet? TriedSet { get; private set; }

    /// <summary>The destination whose address the request URI carries; null while it carries <see cref="DestinationCluster.Placeholder"/>.</summary>
    public Destination? Current { get; private set; }

    /// <summary>The destinations tried, as bits of <paramref name="set"/>'s indexes: none when the cluster swapped its set since (a retry after a change starts afresh).</summary>
    public ulong TriedIn(DestinationSet set) => ReferenceEquals(set, TriedSet) ? Tried : 0;

    public void Chose(DestinationSet set, int index, Destination destination)
    {
        Current = destination;
        if (!ReferenceEquals(set, TriedSet))
        {
            TriedSet = set;
            Tried = 0;
        }

        if (index < 64)
        {
            Tried |= 1UL << index;
        }
    }
}
