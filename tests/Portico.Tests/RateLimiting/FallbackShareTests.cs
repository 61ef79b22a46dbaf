using Portico.RateLimiting;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting;

/// <summary>While storage is unreachable, failOpen policies limit locally at this instance's share of the limit.</summary>
public sealed class FallbackShareTests
{
    [Fact]
    public void Share_ThreeInstances_RateBurstAndRemainingQuotaSplitEvenly()
    {
        var policy = Policy("""{ "id": "p", "rate": { "requests": 30, "per": "1s", "burst": 60 }, "quotas": [ { "limit": 1000, "period": "day" } ] }""", storageConfigured: true);
        var now = Noon.UtcTicks;
        var lastKnown = default(PerPeriod<QuotaCount>);
        lastKnown[(int)QuotaPeriod.Day] = new QuotaCount(QuotaWindow.Start(QuotaPeriod.Day, now), 700);

        var share = policy.Limits.Share(3, in lastKnown, now);

        Assert.Equal(policy.Limits.Interval * 3, share.Interval); // 10 per second
        Assert.Equal(20, share.Burst);
        Assert.Equal(100, share.Quota(QuotaPeriod.Day)); // (1000 - 700) / 3
        Assert.False(share.HasQuota(QuotaPeriod.Month));
    }

    [Fact]
    public void Share_QuotaAlreadyUsedUp_StaysUsedUp()
    {
        var policy = Policy("""{ "id": "p", "quotas": [ { "limit": 10, "period": "hour" } ] }""", storageConfigured: true);
        var now = Noon.UtcTicks;
        var lastKnown = default(PerPeriod<QuotaCount>);
        lastKnown[(int)QuotaPeriod.Hour] = new QuotaCount(QuotaWindow.Start(QuotaPeriod.Hour, now), 10);

        var share = policy.Limits.Share(2, in lastKnown, now);

        Assert.True(share.HasQuota(QuotaPeriod.Hour));
        Assert.Equal(0, share.Quota(QuotaPeriod.Hour));
    }

    [Fact]
    public void Share_LastKnownCountFromAnEarlierWindow_DoesNotReduceTheNewWindow()
    {
        var policy = Policy("""{ "id": "p", "quotas": [ { "limit": 9, "period": "day" } ] }""", storageConfigured: true);
        var now = Noon.UtcTicks;
        var lastKnown = default(PerPeriod<QuotaCount>);
        lastKnown[(int)QuotaPeriod.Day] = new QuotaCount(QuotaWindow.Start(QuotaPeriod.Day, now) - TimeSpan.TicksPerDay, 9);

        Assert.Equal(3, policy.Limits.Share(3, in lastKnown, now).Quota(QuotaPeriod.Day));
    }
}
