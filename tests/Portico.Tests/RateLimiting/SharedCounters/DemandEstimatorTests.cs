using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>The demand a leased counter sizes its leases by: seen at once in a burst, steady under steady load, forgotten after a quiet spell.</summary>
public sealed class DemandEstimatorTests
{
    private static readonly long Start = Noon.UtcTicks;

    /// <summary>Records <paramref name="requests"/> requests <paramref name="everyMs"/> ms apart from <paramref name="from"/>; returns the time after the last.</summary>
    private static long Steady(ref DemandEstimator demand, long from, int requests, int everyMs)
    {
        var now = from;
        for (int i = 0; i < requests; i++)
        {
            demand.Record(now);
            now += TimeSpan.TicksPerMillisecond * everyMs;
        }

        return now;
    }

    [Fact]
    public void Rate_BurstAtOneInstant_CountsOverAQuarterSecond()
    {
        var demand = default(DemandEstimator);
        for (int i = 0; i < 10; i++)
        {
            demand.Record(Start);
        }

        Assert.Equal(40, demand.Rate(Start)); // 10 requests within the shortest window, a quarter of a second
    }

    [Fact]
    public void Rate_SteadyHundredPerSecond_EstimatesAHundred()
    {
        var demand = default(DemandEstimator);
        var now = Steady(ref demand, Start, requests: 300, everyMs: 10);

        Assert.InRange(demand.Rate(now), 95, 105);
    }

    [Fact]
    public void Rate_WindowLongerThanASecond_ReplacesTheEstimate()
    {
        var demand = default(DemandEstimator);
        var now = Steady(ref demand, Start, requests: 200, everyMs: 5); // 200 per second

        // Quiet for four seconds, then one request: the window that ends now (the last 50 requests over 4.25 s) is
        // longer than a second, so its rate replaces the estimate instead of being averaged with 200.
        now += 4 * TimeSpan.TicksPerSecond;
        demand.Record(now);

        Assert.Equal(50 / 4.25, demand.Rate(now), 3);
    }

    [Fact]
    public void Rate_ShortWindows_AverageWithTheEstimateBefore()
    {
        var demand = default(DemandEstimator);
        var now = Steady(ref demand, Start, requests: 100, everyMs: 10); // 100 per second for a second

        var before = demand.Rate(now);
        demand.Record(now); // ends a window of a quarter second
        var steady = demand.Rate(now);
        now += TimeSpan.TicksPerSecond / 2; // then one request in half a second: a window at 2 per second
        demand.Record(now);

        Assert.InRange(before, 90, 101);
        Assert.Equal((steady + 2) / 2, demand.Rate(now), 3);
    }
}
