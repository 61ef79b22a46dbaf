using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>The tokens a leased counter holds: spent within the TTL, given back after it, and only to the windows they came from.</summary>
public sealed class LeaseBookTests
{
    private static readonly long Now = Noon.UtcTicks;
    private static readonly long Ttl = TimeSpan.TicksPerSecond;

    private static readonly CompiledRateLimitPolicy Hourly = Policy(
        """{ "id": "p", "rate": { "requests": 10, "per": "1s", "burst": 20 }, "quotas": [ { "limit": 1000, "period": "hour" } ] }""", storageConfigured: true);

    private static LeaseBook Holding(long tokens, long at)
    {
        var lease = default(LeaseBook);
        lease.Renew(returned: 0, taken: tokens, at, Ttl);
        return lease;
    }

    [Fact]
    public void TrySpend_WithinTtl_SpendsOneAndReportsTheBucketPlusWhatIsHeld()
    {
        var lease = Holding(5, Now);
        var shared = default(CounterValues);
        var limits = Hourly.Limits;
        Take(ref shared, limits, Now, 15); // the bucket: 5 of 20 left after this lease and 10 others
        var decision = default(RateLimitDecision);

        Assert.True(lease.TrySpend(Now, in shared, limits, ref decision));

        Assert.Equal(4, lease.Tokens);
        Assert.Equal(RateLimitOutcome.Allowed, decision.Outcome);
        Assert.Equal(9, decision.RateRemaining); // 5 in the bucket + 4 still held
        Assert.Equal(1000 - 15 + 4, decision.QuotaRemaining[(int)QuotaPeriod.Hour]);
    }

    [Fact]
    public void TrySpend_AfterTtlOrWhenEmpty_SpendsNothing()
    {
        var lease = Holding(1, Now);
        var decision = default(RateLimitDecision);
        var shared = default(CounterValues);

        Assert.False(lease.TrySpend(Now + Ttl, in shared, Hourly.Limits, ref decision));
        Assert.True(lease.TrySpend(Now, in shared, Hourly.Limits, ref decision));
        Assert.False(lease.TrySpend(Now, in shared, Hourly.Limits, ref decision));
        Assert.Equal(0, lease.Tokens);
    }

    [Fact]
    public void ReturnExpired_AfterTtl_GivesEveryTokenLeftBackToRateAndQuota()
    {
        var limits = Hourly.Limits;
        var values = default(CounterValues);
        Take(ref values, limits, Now, 8);
        var lease = Holding(8, Now);
        var decision = default(RateLimitDecision);
        lease.TrySpend(Now, in values, limits, ref decision);
        var before = values;

        Assert.Equal(0, lease.ReturnExpired(ref values, limits, Now + Ttl - 1)); // still valid: nothing goes back
        Assert.Equal(before.Tat, values.Tat);
        var returned = lease.ReturnExpired(ref values, limits, Now + Ttl);

        Assert.Equal(7, returned);
        Assert.Equal(before.Tat - (7 * limits.Interval), values.Tat);
        Assert.Equal(1, values.Quotas[(int)QuotaPeriod.Hour].Count);
        Assert.True(lease.HasExpiredTokens(Now + Ttl));
    }

    [Fact]
    public void ReturnExpired_QuotaWindowOverSinceTheLease_GivesBackOnlyTheRate()
    {
        var limits = Hourly.Limits;
        var hourStart = QuotaWindow.Start(QuotaPeriod.Hour, Now);
        var leasedAt = hourStart + TimeSpan.TicksPerHour - TimeSpan.TicksPerMillisecond; // the last moment of the hour
        var values = default(CounterValues);
        Take(ref values, limits, leasedAt, 5);
        var lease = Holding(5, leasedAt);
        var nextHour = leasedAt + Ttl;
        Take(ref values, limits, nextHour, 1); // the new window has counted one
        var tat = values.Tat;

        Assert.Equal(5, lease.ReturnExpired(ref values, limits, nextHour));

        Assert.Equal(tat - (5 * limits.Interval), values.Tat);
        Assert.Equal(1, values.Quotas[(int)QuotaPeriod.Hour].In(QuotaWindow.Start(QuotaPeriod.Hour, nextHour))); // not taken from the new hour
    }

    [Fact]
    public void Renew_TopUp_AddsToWhatIsLeftAndExtendsTheTtl()
    {
        var lease = Holding(4, Now);
        var later = Now + (Ttl / 2);

        lease.Renew(returned: 0, taken: 6, later, Ttl);

        Assert.Equal(10, lease.Tokens);
        Assert.False(lease.IsExpired(Now + Ttl));
        Assert.True(lease.IsExpired(later + Ttl));
    }

    [Fact]
    public void Renew_AfterGivingBackAnExpiredLease_HoldsOnlyTheNewTokens()
    {
        var lease = Holding(4, Now);

        lease.Renew(returned: 4, taken: 3, Now + Ttl, Ttl);

        Assert.Equal(3, lease.Tokens);
    }

    [Fact]
    public void TryRefund_OnlyWhileTheLeaseIsValid()
    {
        var lease = Holding(2, Now);

        Assert.True(lease.TryRefund(Now));
        Assert.Equal(3, lease.Tokens);
        Assert.False(lease.TryRefund(Now + Ttl));
        Assert.Equal(3, lease.Tokens);
    }

    [Fact]
    public void DropIfExpired_ForgetsOnlyAnExpiredLease()
    {
        var lease = Holding(2, Now);

        lease.DropIfExpired(Now);
        Assert.Equal(2, lease.Tokens);
        lease.DropIfExpired(Now + Ttl);
        Assert.Equal(0, lease.Tokens);
    }

    [Fact]
    public void ExpireBy_ShutDown_EndsTheLeaseAtOnce()
    {
        var lease = Holding(2, Now);

        lease.ExpireBy(Now + 1);

        Assert.True(lease.IsExpired(Now + 1));
        Assert.True(lease.HasExpiredTokens(Now + 1));
    }

    private static void Take(ref CounterValues values, in CounterLimits limits, long now, long tokens)
    {
        var decision = default(RateLimitDecision);
        Assert.True(CounterMath.TryTake(ref values, limits, now, tokens, ref decision));
    }
}
