namespace Portico.Discovery;

/// <summary>
/// Destinations in turn, each as often as its weight says, interleaved (nginx's smooth weighted round robin, computed
/// once into a schedule) so a heavy destination does not take its share in one burst. A destination the filter
/// refuses is skipped for the next in the schedule.
/// </summary>
internal sealed class RoundRobinPolicy : BalancingPolicy
{
    public const string PolicyName = "roundRobin";

    /// <summary>Longest schedule; heavier weight sets are scaled down to it (their proportions kept within rounding).</summary>
    private const int MaxSchedule = 4096;

    private readonly int[] _schedule;
    private int _next = -1;

    public RoundRobinPolicy(IReadOnlyList<int> weights)
    {
        var scaled = Scale(weights);
        var total = scaled.Sum();
        _schedule = new int[total];
        var current = new long[scaled.Length];
        for (var slot = 0; slot < total; slot++)
        {
            var best = 0;
            for (var i = 0; i < scaled.Length; i++)
            {
                current[i] += scaled[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            _schedule[slot] = best;
        }
    }

    public override string Name => PolicyName;

    public override int Pick(Destination[] destinations, in PickFilter filter, ulong? key)
    {
        var start = (uint)Interlocked.Increment(ref _next);
        for (var k = 0; k < _schedule.Length; k++)
        {
            var i = _schedule[(int)((start + (uint)k) % (uint)_schedule.Length)];
            if (filter.Allows(destinations[i], i))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Weights divided by their greatest common divisor, then scaled down if they still add up to more than <see cref="MaxSchedule"/>.</summary>
    private static int[] Scale(IReadOnlyList<int> weights)
    {
        var gcd = weights.Aggregate(0, Gcd);
        var reduced = weights.Select(w => w / Math.Max(1, gcd)).ToArray();
        long total = reduced.Sum(w => (long)w);
        if (total <= MaxSchedule)
        {
            return reduced;
        }

        return [.. reduced.Select(w => Math.Max(1, (int)(w * (long)MaxSchedule / total)))];
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
