using Portico.Analytics;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Analytics;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Percentile_OfRandomLatencies_WithinStatedError(int seed)
    {
        // Log-normal latencies from 0.01 ms to minutes: every bucket range and both ends are exercised.
        var random = new Random(seed);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(random.NextDouble() * 16 - 4.6)).ToList();
        var buckets = new long[LatencyHistogram.BucketCount];
        foreach (var value in values)
        {
            buckets[LatencyHistogram.IndexOf(value)]++;
        }

        foreach (var quantile in new[] { 0.5, 0.9, 0.95, 0.99, 0.999 })
        {
            WithinStatedError(ExactPercentile(values, quantile), LatencyHistogram.Percentile(buckets, quantile)!.Value);
        }
    }

    [Fact]
    public void Percentile_OfMergedInstances_WithinStatedErrorOfAllValues()
    {
        // Two instances with different latency profiles: the sum of their histograms answers for the union.
        var random = new Random(7);
        var fast = Enumerable.Range(0, 5000).Select(_ => 0.5 + random.NextDouble() * 2).ToList();
        var slow = Enumerable.Range(0, 500).Select(_ => 200 + random.NextDouble() * 800).ToList();
        var a = new AnalyticsCounts();
        var b = new AnalyticsCounts();
        fast.ForEach(v => a.Record(v, 0, 0, false, false, -1, -1));
        slow.ForEach(v => b.Record(v, 0, 0, false, false, -1, -1));
        var merged = new AnalyticsCounts();
        merged.Add(a);
        merged.Add(b);

        var all = fast.Concat(slow).ToList();
        Assert.Equal(all.Count, merged.Requests);
        foreach (var quantile in new[] { 0.5, 0.9, 0.95, 0.99 })
        {
            WithinStatedError(ExactPercentile(all, quantile), LatencyHistogram.Percentile(merged.Latency, quantile)!.Value);
        }
    }

    [Fact]
    public void Percentile_WithoutRequests_IsNull()
    {
        Assert.Null(LatencyHistogram.Percentile(new long[LatencyHistogram.BucketCount], 0.5));
    }

    [Fact]
    public void IndexOf_HugeAndInvalidValues_StayInRange()
    {
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.IndexOf(1e12));
        Assert.Equal(0, LatencyHistogram.IndexOf(double.NaN));
        Assert.Equal(0, LatencyHistogram.IndexOf(-1));
        Assert.True(LatencyHistogram.Representative(LatencyHistogram.BucketCount - 1) > 230_000, "the last bucket starts beyond the 230 s response limit");
    }
}
