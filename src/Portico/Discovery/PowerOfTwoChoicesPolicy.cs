namespace Portico.Discovery;

/// <summary>
/// The default: two different destinations drawn at random, the one that would carry fewer requests in flight per
/// unit of weight wins. Nearly as even as least requests, without scanning every destination or herding every
/// request onto the one that just became least loaded (Mitzenmacher, "The Power of Two Choices in Randomized Load
/// Balancing"; Envoy's and YARP's default). Weight acts through the comparison only, as in Envoy: drawing in
/// proportion to weight as well would count it twice.
/// </summary>
internal sealed class PowerOfTwoChoicesPolicy(Random random) : BalancingPolicy
{
    public const string PolicyName = "powerOfTwoChoices";

    public override string Name => PolicyName;

    public override int Pick(Destination[] destinations, in PickFilter filter, ulong? key)
    {
        var count = destinations.Length;
        var first = random.Next(count);
        var second = count == 1 ? first : (first + 1 + random.Next(count - 1)) % count;
        var firstAllowed = filter.Allows(destinations[first], first);
        var secondAllowed = filter.Allows(destinations[second], second);
        return (firstAllowed, secondAllowed) switch
        {
            (true, true) => LessLoaded(destinations[second], destinations[first]) ? second : first,
            (true, false) => first,
            (false, true) => second,
            _ => LeastLoaded(destinations, filter, random), // both refused: any allowed one, by a full scan
        };
    }
}
