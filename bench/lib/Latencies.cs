namespace Portico.Bench;

/// <summary>Percentiles of a benchmark's latency samples.</summary>
internal static class Latencies
{
    /// <summary>The nearest-rank <paramref name="p"/>-th percentile (0 to 1) of <paramref name="values"/>, in any order.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
