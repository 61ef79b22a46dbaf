namespace Portico.Discovery;

/// <summary>The destination with the fewest requests in flight per unit of weight, ties broken at random (scans every destination).</summary>
internal sealed class LeastRequestsPolicy(Random random) : BalancingPolicy
{
    public const string PolicyName = "leastRequests";

    public override string Name => PolicyName;

    public override int Pick(Destination[] destinations, in PickFilter filter, ulong? key) => LeastLoaded(destinations, filter, random);
}
