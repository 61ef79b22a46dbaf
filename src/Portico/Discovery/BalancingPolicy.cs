namespace Portico.Discovery;

/// <summary>
/// How one destination is chosen among a cluster's for an attempt. Built once per cluster (a policy may precompute,
/// as round robin's schedule and consistent hashing's ring), then called concurrently by every request.
/// </summary>
internal abstract class BalancingPolicy
{
    /// <summary>The name used in the registry (<c>loadBalancing.policy</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The index of the chosen destination among those <paramref name="filter"/> allows, or -1 when it allows none.</summary>
    /// <param name="destinations">The cluster's destinations.</param>
    /// <param name="filter">Which may be chosen.</param>
    /// <param name="key">The request's affinity key hash, when the policy uses one and the request has one.</param>
    public abstract int Pick(Destination[] destinations, in PickFilter filter, ulong? key);

    /// <summary>
    /// The least loaded allowed destination (in-flight attempts over weight), scanning from a random start so ties
    /// spread evenly; -1 when none is allowed.
    /// </summary>
    protected static int LeastLoaded(Destination[] destinations, in PickFilter filter, Random random)
    {
        var best = -1;
        var start = random.Next(destinations.Length);
        for (var k = 0; k < destinations.Length; k++)
        {
            var i = start + k < destinations.Length ? start + k : start + k - destinations.Length;
            if (filter.Allows(destinations[i], i) && (best < 0 || LessLoaded(destinations[i], destinations[best])))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether <paramref name="a"/> would carry less load per unit of weight than <paramref name="b"/> with one more
    /// request (compared without division): counting the request being placed keeps requests in flight in proportion
    /// to weight even when they are few.
    /// </summary>
    protected static bool LessLoaded(Destination a, Destination b) => (a.InFlight + 1L) * b.Weight < (b.InFlight + 1L) * a.Weight;
}
