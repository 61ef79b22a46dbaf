using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// The failure modes while counter storage is out (docs/rate-limiting.md, "When storage fails"): failClosed answers 503
/// until storage is tried again; failOpen limits at this instance's share and hands what it admitted to the first
/// write after the outage.
/// </summary>
public sealed class OutageFallbackTests
{
    private static (OutageFallback Fallback, Lock Sync, SharedCounter Counter) Build(CompiledRateLimitPolicy policy)
    {
        var sync = new Lock();
        var counter = new ExactCounter(policy, RateLimiter.PartitionKeyOf(policy.Id, "k"));
        return (new OutageFallback(counter, sync, new StoredCounter(sync, "hash", policy.Id)), sync, counter);
    }

    [Fact]
    public void Decide_FailClosed_503UntilStorageIsTriedAgainAndCounted()
    {
        using var rig = CounterRig.Unreachable();
        var policy = Policy("""{ "id": "closed", "rate": { "requests": 5, "per": "1s" }, "store": "exact", "onStorageFailure": "failClosed" }""", storageConfigured: true);
        var (fallback, _, counter) = Build(policy);
        rig.Limiter.Health.ReportFailure("test outage");
        var now = rig.Limiter.Now;

        var decision = fallback.Decide(rig.Limiter, now);

        Assert.Equal(RateLimitOutcome.Unavailable, decision.Outcome);
        Assert.Equal(rig.Limiter.Health.RetryAfter(now), decision.RetryAfterTicks);
        Assert.Equal(2 * TimeSpan.TicksPerSecond, decision.RetryAfterTicks); // the default probe interval
        Assert.True(decision.Degraded);
        Assert.Same(counter, decision.State);
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.fallback", ("portico.policy", "closed"), ("mode", "failClosed")));
    }

    [Fact]
    public void Decide_FailOpenOneOfTwoInstances_AdmitsItsShareOfTheBurst()
    {
        using var rig = CounterRig.Unreachable();
        rig.Instances.Update(2);
        var policy = Policy("""{ "id": "open", "rate": { "requests": 1, "per": "1h", "burst": 4 }, "store": "leased" }""", storageConfigured: true);
        var (fallback, sync, counter) = Build(policy);
        var now = rig.Limiter.Now;

        var decisions = Enumerable.Range(0, 4).Select(_ => fallback.Decide(rig.Limiter, now)).ToList();

        Assert.Equal(new[] { true, true, false, false }, decisions.Select(d => d.IsAllowed));
        Assert.All(decisions, d => Assert.True(d.Degraded));
        Assert.All(decisions, d => Assert.Same(counter, d.State));
        Assert.Equal(4, rig.Metrics.Sum("portico.ratelimit.fallback", ("mode", "failOpen")));
        lock (sync)
        {
            Assert.True(fallback.IsActive);
        }
    }

    [Fact]
    public void Refund_RequestDeniedByALaterPolicy_GivesTheLocalTokenBack()
    {
        using var rig = CounterRig.Unreachable();
        var policy = Policy("""{ "id": "open", "rate": { "requests": 1, "per": "1h", "burst": 1 }, "store": "leased" }""", storageConfigured: true);
        var (fallback, sync, _) = Build(policy);
        var now = rig.Limiter.Now;
        Assert.True(fallback.Decide(rig.Limiter, now).IsAllowed);
        Assert.False(fallback.Decide(rig.Limiter, now).IsAllowed);

        lock (sync)
        {
            fallback.Refund(now);
        }

        Assert.True(fallback.Decide(rig.Limiter, now).IsAllowed);
    }

    [Fact]
    public void MergePending_AdmittedDuringTheOutage_AddedToTheSharedQuotaUntilAWriteEndsIt()
    {
        using var rig = CounterRig.Unreachable();
        var policy = Policy("""{ "id": "open", "quotas": [ { "limit": 100, "period": "hour" }, { "limit": 1000, "period": "day" } ], "store": "leased" }""", storageConfigured: true);
        var (fallback, sync, _) = Build(policy);
        var now = rig.Limiter.Now;
        for (int i = 0; i < 3; i++)
        {
            Assert.True(fallback.Decide(rig.Limiter, now).IsAllowed);
        }

        var values = default(CounterValues);
        values.Quotas[(int)QuotaPeriod.Day] = new QuotaCount(QuotaWindow.Start(QuotaPeriod.Day, now), 10); // counted by others
        fallback.MergePending(ref values, now);

        Assert.Equal(3, values.Quotas[(int)QuotaPeriod.Hour].In(QuotaWindow.Start(QuotaPeriod.Hour, now)));
        Assert.Equal(13, values.Quotas[(int)QuotaPeriod.Day].In(QuotaWindow.Start(QuotaPeriod.Day, now)));

        // In the next hour what was admitted in the last one no longer counts against the hourly quota.
        var nextHour = QuotaWindow.End(QuotaPeriod.Hour, QuotaWindow.Start(QuotaPeriod.Hour, now));
        var later = default(CounterValues);
        fallback.MergePending(ref later, nextHour);
        Assert.Equal(0, later.Quotas[(int)QuotaPeriod.Hour].In(QuotaWindow.Start(QuotaPeriod.Hour, nextHour)));

        lock (sync)
        {
            fallback.End();
            Assert.False(fallback.IsActive);
        }

        var afterWrite = default(CounterValues);
        fallback.MergePending(ref afterWrite, now);
        Assert.Equal(0, afterWrite.Quotas[(int)QuotaPeriod.Hour].Count);
    }
}
