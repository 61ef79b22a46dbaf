namespace Portico.Analytics;

/// <summary>
/// The fixed latency buckets of analytics rollups: bucket 0 holds everything under 0.1 ms, and bucket <c>i</c> ≥ 1 holds
/// [0.1 ms × 2^((i−1)/4), 0.1 ms × 2^(i/4)), four buckets per doubling up to the last, which holds everything from
/// about 300 s. Fixed buckets merge across minutes and instances by adding counts, and a percentile reported as its
/// bucket's geometric midpoint is within <see cref="RelativeError"/> of the exact nearest-rank percentile.
/// </summary>
internal static class LatencyHistogram
{
    /// <summary>The number of buckets.</summary>
    public const int BucketCount = 88;

    /// <summary>Bound on a reported percentile's relative error: 2^(1/8) − 1, about 9.05 % (below 0.1 ms: 0.05 ms absolute).</summary>
    public static readonly double RelativeError = Math.Pow(2, 1.0 / 8) - 1;

    private const double BaseMilliseconds = 0.1;
    private const int PerDoubling = 4;

    /// <summary>The bucket of a latency of <paramref name="milliseconds"/>.</summary>
    public static int IndexOf(double milliseconds)
    {
        if (!(milliseconds >= BaseMilliseconds))
        {
            return 0; // also NaN
        }

        var index = 1 + (int)(PerDoubling * Math.Log2(milliseconds / BaseMilliseconds));
        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>The value a bucket stands for: its geometric midpoint (half the first bucket's bound for bucket 0).</summary>
    public static double Representative(int index) => index == 0
        ? BaseMilliseconds / 2
        : BaseMilliseconds * Math.Pow(2, (index - 1 + 0.5) / PerDoubling);

    /// <summary>
    /// The nearest-rank <paramref name="quantile"/> (0 &lt; q ≤ 1) of the latencies counted in <paramref name="buckets"/>, in
    /// milliseconds, or null when nothing was counted.
    /// </summary>
    public static double? Percentile(ReadOnlySpan<long> buckets, double quantile)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return Representative(i);
            }
        }

        return Representative(buckets.Length - 1);
    }
}
