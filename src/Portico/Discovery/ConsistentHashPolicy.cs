namespace Portico.Discovery;

/// <summary>
/// Affinity: a request's key (client address, a header or the consumer) always lands on the same destination while
/// the destinations stay the same, and when one leaves or is ejected only its keys move (Karger et al.'s consistent
/// hashing, a ring of virtual nodes, as Envoy's ring hash). A request without a key is balanced by power of two choices.
/// </summary>
internal sealed class ConsistentHashPolicy : BalancingPolicy
{
    public const string PolicyName = "consistentHash";

    /// <summary>Virtual nodes per unit of weight: enough that four equal destinations each get within a few percent of a quarter.</summary>
    private const int NodesPerWeight = 160;

    /// <summary>Largest ring; heavier clusters get fewer nodes per unit of weight.</summary>
    private const int MaxRing = 65536;

    private readonly ulong[] _points;
    private readonly int[] _owners;
    private readonly PowerOfTwoChoicesPolicy _keyless;

    public ConsistentHashPolicy(IReadOnlyList<Destination> destinations, Random random)
    {
        _keyless = new PowerOfTwoChoicesPolicy(random);
        long totalWeight = destinations.Sum(d => (long)d.Weight);
        var perWeight = (int)Math.Clamp(MaxRing / Math.Max(1, totalWeight), 1, NodesPerWeight);
        var ring = new List<(ulong Point, int Owner)>();
        for (var i = 0; i < destinations.Count; i++)
        {
            var identity = AffinityHash.Of(destinations[i].Url);
            var nodes = destinations[i].Weight * perWeight;
            for (var n = 0; n < nodes; n++)
            {
                ring.Add((AffinityHash.Mix(identity + (ulong)n * 0x9E3779B97F4A7C15UL), i));
            }
        }

        ring.Sort((a, b) => a.Point.CompareTo(b.Point));
        _points = [.. ring.Select(r => r.Point)];
        _owners = [.. ring.Select(r => r.Owner)];
    }

    public override string Name => PolicyName;

    public override int Pick(Destination[] destinations, in PickFilter filter, ulong? key)
    {
        if (key is not { } hash)
        {
            return _keyless.Pick(destinations, filter, null);
        }

        // The first node at or after the key's point, walking on (round the ring) past destinations the filter refuses.
        var start = Array.BinarySearch(_points, hash);
        if (start < 0)
        {
            start = ~start;
        }

        for (var k = 0; k < _points.Length; k++)
        {
            var slot = start + k;
            var owner = _owners[slot < _points.Length ? slot : slot % _points.Length];
            if (filter.Allows(destinations[owner], owner))
            {
                return owner;
            }
        }

        return -1;
    }
}
