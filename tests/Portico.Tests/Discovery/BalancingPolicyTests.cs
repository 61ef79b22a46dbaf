using Portico.Discovery;

namespace Portico.Tests.Discovery;

/// <summary>
/// Each load-balancing policy's spread, measured over many picks with a stated tolerance. Picks run in a closed loop
/// that keeps 100 requests in flight and completes a random one before each new pick, so the policies that read the
/// requests in flight (least requests, power of two choices) are measured under the load they are built for.
/// Randomness is seeded: a run is repeatable, and the tolerances hold for any seed (they are several standard
/// deviations of the binomial spread wide).
/// </summary>
public sealed class BalancingPolicyTests
{
    private const int Picks = 40_000;

    /// <summary>
    /// Requests kept in flight: enough that weights 1 to 4 are whole numbers of them (10, 20, 30, 40). With few in
    /// flight the load-aware policies can only follow weights to within one request (at 32 in flight, 6% off).
    /// </summary>
    private const int InFlight = 100;

    public static TheoryData<string> Policies => [PowerOfTwoChoicesPolicy.PolicyName, RoundRobinPolicy.PolicyName, WeightedRandomPolicy.PolicyName, LeastRequestsPolicy.PolicyName];

    [Theory]
    [MemberData(nameof(Policies))]
    public void Pick_FourEqualDestinations_EachGetsAQuarterWithinFivePercent(string policy)
    {
        var destinations = TestDestinations.WithWeights(1, 1, 1, 1);
        var counts = Run(Create(policy, destinations, seed: 1), destinations);

        foreach (var count in counts)
        {
            Assert.InRange(count, Picks / 4 * 0.95, Picks / 4 * 1.05);
        }
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Pick_Weights1To4_SharesFollowTheWeightsWithinFivePercent(string policy)
    {
        var destinations = TestDestinations.WithWeights(1, 2, 3, 4);
        var counts = Run(Create(policy, destinations, seed: 2), destinations);

        for (var i = 0; i < destinations.Length; i++)
        {
            var expected = Picks * (i + 1) / 10.0;
            Assert.InRange(counts[i], expected * 0.95, expected * 1.05);
        }
    }

    [Fact]
    public void Pick_RoundRobin_IsExactAndInterleaved()
    {
        var destinations = TestDestinations.WithWeights(5, 1, 1);
        var policy = new RoundRobinPolicy([5, 1, 1]);
        var sequence = Enumerable.Range(0, 70).Select(_ => policy.Pick(destinations, TestDestinations.All, null)).ToArray();

        Assert.Equal([50, 10, 10], [.. Enumerable.Range(0, 3).Select(i => sequence.Count(p => p == i))]);
        // Smooth weighted round robin (a a b a c a a): the heavy destination never takes its turns in one burst of
        // five or more; its longest run is where one round ends and the next begins.
        var longestRun = sequence.Select((p, i) => sequence.Skip(i).TakeWhile(q => q == p).Count()).Max();
        Assert.True(longestRun <= 4, $"destination {sequence[0]} was picked {longestRun} times in a row");
    }

    [Theory]
    [InlineData(PowerOfTwoChoicesPolicy.PolicyName)]
    [InlineData(LeastRequestsPolicy.PolicyName)]
    public void Pick_OneDestinationBusy_IsAvoidedWhileOthersAreIdle(string policy)
    {
        var destinations = TestDestinations.WithWeights(1, 1, 1, 1);
        for (var i = 0; i < 10; i++)
        {
            destinations[2].Enter();
        }

        var balancer = Create(policy, destinations, seed: 3);
        var picks = Enumerable.Range(0, 10_000).Select(_ => balancer.Pick(destinations, TestDestinations.All, null)).ToArray();

        Assert.DoesNotContain(2, picks);
        Assert.Equal(3, picks.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Policies))]
    [InlineData(ConsistentHashPolicy.PolicyName)]
    public void Pick_FilterRefusesSome_NeverChoosesThem(string policy)
    {
        var destinations = TestDestinations.WithWeights(1, 2, 1, 3);
        var balancer = Create(policy, destinations, seed: 4);

        var picks = Enumerable.Range(0, 5_000).Select(i => balancer.Pick(destinations, TestDestinations.Except(1, 3), AffinityHash.Of("key-" + i))).ToArray();

        Assert.Equal([0, 2], picks.Distinct().Order());
        Assert.Equal(-1, balancer.Pick(destinations, TestDestinations.Except(0, 1, 2, 3), AffinityHash.Of("key")));
    }

    [Fact]
    public void Pick_ConsistentHash_SameKeyAlwaysSameDestination()
    {
        var destinations = TestDestinations.WithWeights(1, 1, 1, 1);
        var policy = new ConsistentHashPolicy(destinations, new Random(5));
        // A second gateway instance builds the same ring: affinity holds across instances.
        var other = new ConsistentHashPolicy(TestDestinations.WithWeights(1, 1, 1, 1), new Random(6));

        for (var i = 0; i < 1_000; i++)
        {
            var key = AffinityHash.Of("client-" + i);
            var first = policy.Pick(destinations, TestDestinations.All, key);
            Assert.Equal(first, policy.Pick(destinations, TestDestinations.All, key));
            Assert.Equal(first, other.Pick(destinations, TestDestinations.All, key));
        }
    }

    [Fact]
    public void Pick_ConsistentHash_KeysSpreadWithinTenPercentAndOnlyTheLostDestinationsKeysMove()
    {
        var destinations = TestDestinations.WithWeights(1, 1, 1, 1);
        var policy = new ConsistentHashPolicy(destinations, new Random(7));
        var keys = Enumerable.Range(0, Picks).Select(i => AffinityHash.Of($"10.1.{i / 256}.{i % 256}")).ToArray();

        var before = keys.Select(k => policy.Pick(destinations, TestDestinations.All, k)).ToArray();
        foreach (var count in Enumerable.Range(0, 4).Select(d => before.Count(p => p == d)))
        {
            Assert.InRange(count, Picks / 4 * 0.9, Picks / 4 * 1.1); // 160 virtual nodes per destination
        }

        var after = keys.Select(k => policy.Pick(destinations, TestDestinations.Except(2), k)).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            if (before[i] != 2)
            {
                Assert.Equal(before[i], after[i]);
            }
        }

        // The lost destination's keys spread over the other three rather than all landing on one.
        var moved = Enumerable.Range(0, keys.Length).Where(i => before[i] == 2).Select(i => after[i]).ToArray();
        Assert.All(new[] { 0, 1, 3 }, d => Assert.InRange(moved.Count(p => p == d), moved.Length / 3 * 0.5, moved.Length / 3 * 1.5));
    }

    private static BalancingPolicy Create(string name, Destination[] destinations, int seed) => name switch
    {
        RoundRobinPolicy.PolicyName => new RoundRobinPolicy([.. destinations.Select(d => d.Weight)]),
        WeightedRandomPolicy.PolicyName => new WeightedRandomPolicy(new Random(seed)),
        LeastRequestsPolicy.PolicyName => new LeastRequestsPolicy(new Random(seed)),
        ConsistentHashPolicy.PolicyName => new ConsistentHashPolicy(destinations, new Random(seed)),
        _ => new PowerOfTwoChoicesPolicy(new Random(seed)),
    };

    /// <summary>Picks <see cref="Picks"/> times with <see cref="InFlight"/> requests kept in flight, each finishing at random; the picks per destination.</summary>
    private static int[] Run(BalancingPolicy policy, Destination[] destinations)
    {
        var random = new Random(42);
        var counts = new int[destinations.Length];
        var inFlight = new List<int>();
        for (var n = 0; n < Picks; n++)
        {
            if (inFlight.Count == InFlight)
            {
                var done = random.Next(inFlight.Count);
                destinations[inFlight[done]].Exit();
                inFlight[done] = inFlight[^1];
                inFlight.RemoveAt(inFlight.Count - 1);
            }

            var pick = policy.Pick(destinations, TestDestinations.All, null);
            destinations[pick].Enter();
            inFlight.Add(pick);
            counts[pick]++;
        }

        return counts;
    }
}
