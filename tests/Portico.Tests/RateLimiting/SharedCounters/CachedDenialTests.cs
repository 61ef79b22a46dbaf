using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>A refusal repeated from memory until the instance's turn to ask storage again, never an admission.</summary>
public sealed class CachedDenialTests
{
    private static readonly long Now = Noon.UtcTicks;
    private static readonly CounterLimits Limits = Policy("""{ "id": "p", "rate": { "requests": 10, "per": "1s" } }""", storageConfigured: true).Limits;

    [Fact]
    public void TryDeny_BeforeItsTime_RepeatsTheRefusalWithRetryAfterUntilThen()
    {
        var denied = default(CachedDenial);
        var refusal = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerMillisecond * 100 };
        denied.Set(in refusal, Now + (TimeSpan.TicksPerMillisecond * 300));
        var shared = new CounterValues { Tat = Now + TimeSpan.TicksPerSecond };
        var state = new LocalCounter(Policy("""{ "id": "q", "rate": { "requests": 1, "per": "1s" } }"""));
        var decision = new RateLimitDecision { State = state };

        Assert.True(denied.IsActive(Now + (TimeSpan.TicksPerMillisecond * 100)));
        Assert.True(denied.TryDeny(Now + (TimeSpan.TicksPerMillisecond * 100), in shared, Limits, ref decision));

        Assert.Equal(RateLimitOutcome.Limited, decision.Outcome);
        Assert.Equal(TimeSpan.TicksPerMillisecond * 200, decision.RetryAfterTicks); // when this instance asks again
        Assert.Equal(TimeSpan.TicksPerMillisecond * 900, decision.RateResetTicks); // from the counter as last known
        Assert.Same(state, decision.State); // the request's own counter, for refunds
    }

    [Fact]
    public void TryDeny_AtItsTime_LeavesTheDecisionToStorage()
    {
        var denied = default(CachedDenial);
        denied.Set(new RateLimitDecision { Outcome = RateLimitOutcome.Limited }, Now);
        var decision = default(RateLimitDecision);

        Assert.False(denied.IsActive(Now));
        Assert.False(denied.TryDeny(Now, default, Limits, ref decision));
        Assert.Equal(default, decision.Outcome);
    }

    [Fact]
    public void TryDeny_CachedDecisionWasAnAdmission_StillRefuses()
    {
        var denied = default(CachedDenial);
        denied.Set(new RateLimitDecision { Outcome = RateLimitOutcome.Allowed }, Now + TimeSpan.TicksPerSecond);
        var decision = default(RateLimitDecision);

        Assert.True(denied.TryDeny(Now + TimeSpan.TicksPerSecond - 1, default, Limits, ref decision));

        Assert.Equal(RateLimitOutcome.Limited, decision.Outcome);
        Assert.Equal(TimeSpan.TicksPerMillisecond, decision.RetryAfterTicks); // at least a millisecond
    }

    [Fact]
    public void TryDeny_QuotaUsedUp_KeepsTheQuotaAnswer()
    {
        var denied = default(CachedDenial);
        var refusal = new RateLimitDecision { Outcome = RateLimitOutcome.QuotaExceeded, ExceededPeriod = QuotaPeriod.Day, QuotaResetsAt = Now + TimeSpan.TicksPerHour };
        denied.Set(in refusal, Now + TimeSpan.TicksPerHour);
        var decision = default(RateLimitDecision);

        Assert.True(denied.TryDeny(Now, default, Limits, ref decision));

        Assert.Equal(RateLimitOutcome.QuotaExceeded, decision.Outcome);
        Assert.Equal(QuotaPeriod.Day, decision.ExceededPeriod);
        Assert.Equal(TimeSpan.TicksPerHour, decision.RetryAfterTicks);
    }

    [Fact]
    public void Clear_TokensTaken_StopsRefusing()
    {
        var denied = default(CachedDenial);
        denied.Set(new RateLimitDecision { Outcome = RateLimitOutcome.Limited }, Now + TimeSpan.TicksPerSecond);

        denied.Clear();

        var decision = default(RateLimitDecision);
        Assert.False(denied.TryDeny(Now, default, Limits, ref decision));
    }
}
