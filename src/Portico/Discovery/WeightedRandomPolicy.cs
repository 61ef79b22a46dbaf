namespace Portico.Discovery;

/// <summary>A destination drawn at random, each in proportion to its weight among those allowed.</summary>
internal sealed class WeightedRandomPolicy(Random random) : BalancingPolicy
{
    public const string PolicyName = "weightedRandom";

    public override string Name => PolicyName;

    public override int Pick(Destination[] destinations, in PickFilter filter, ulong? key)
    {
        long total = 0;
        for (var i = 0; i < destinations.Length; i++)
        {
            if (filter.Allows(destinations[i], i))
            {
                total += destinations[i].Weight;
            }
        }

        if (total == 0)
        {
            return -1;
        }

        var point = random.NextInt64(total);
        var last = -1;
        for (var i = 0; i < destinations.Length; i++)
        {
            if (filter.Allows(destinations[i], i))
            {
                last = i;
                if ((point -= destinations[i].Weight) < 0)
                {
                    return i;
                }
            }
        }

        return last; // another request ejected one between the two passes: the last allowed one stands in
    }
}
