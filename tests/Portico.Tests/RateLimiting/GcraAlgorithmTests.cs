using Microsoft.Extensions.Time.Testing;
using Portico.RateLimiting;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting;

/// <summary>The rate part of a policy (GCRA / token bucket) on a fake clock: burst, steady rate, refill, Retry-After.</summary>
public sealed class GcraAlgorithmTests
{
    private readonly FakeTimeProvider _time = new(Noon);

    [Fact]
    public void Acquire_BurstThenSteadyRate_AllowsBurstAtOnceThenOneTokenPerInterval()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 10, "per": "1s", "burst": 5 } }""");

        Assert.Equal(5, limiter.TakeMany(policy, 20));

        // Then exactly one request per 100 ms, for as long as the client keeps trying.
        for (int i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Equal(1, limiter.TakeMany(policy, 3));
        }
    }

    [Fact]
    public void Acquire_AfterLongIdle_RefillsToTheBurstAndNoMore()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 10, "per": "1s", "burst": 5 } }""");
        Assert.Equal(5, limiter.TakeMany(policy, 5));

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(5, limiter.TakeMany(policy, 50));
    }

    [Fact]
    public void Acquire_PartialRefill_AllowsOnlyTheTokensThatAccrued()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 4, "per": "1s" } }""");
        Assert.Equal(4, limiter.TakeMany(policy, 10));

        _time.Advance(TimeSpan.FromMilliseconds(740)); // 2 tokens (250 ms each) and most of a third
        Assert.Equal(2, limiter.TakeMany(policy, 10));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, limiter.TakeMany(policy, 10));
    }

    [Fact]
    public void Acquire_Denied_RetryAfterIsTheExactWaitForTheNextToken()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 2, "per": "1s", "burst": 2 } }""");
        limiter.TakeMany(policy, 2);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        var denied = limiter.Take(policy);

        Assert.Equal(RateLimitOutcome.Limited, denied.Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(400).Ticks, denied.RetryAfterTicks);
        Assert.Equal(1, RateLimitHeaders.Seconds(denied.RetryAfterTicks));

        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.False(limiter.Take(policy).IsAllowed);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.Take(policy).IsAllowed);
    }

    [Fact]
    public void Acquire_SlowRate_RetryAfterRoundsUpToWholeSeconds()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1m" } }""");
        Assert.True(limiter.Take(policy).IsAllowed);
        _time.Advance(TimeSpan.FromSeconds(20.5));

        var denied = limiter.Take(policy);

        Assert.Equal(TimeSpan.FromSeconds(39.5).Ticks, denied.RetryAfterTicks);
        Assert.Equal(40, RateLimitHeaders.Seconds(denied.RetryAfterTicks));
    }

    [Fact]
    public void Acquire_ReportsRemainingTokensAndTimeUntilFull()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 10, "per": "1s", "burst": 10 } }""");

        var first = limiter.Take(policy);
        Assert.Equal(9, first.RateRemaining);
        Assert.Equal(TimeSpan.FromMilliseconds(100).Ticks, first.RateResetTicks);

        limiter.TakeMany(policy, 8);
        var last = limiter.Take(policy);
        Assert.Equal(0, last.RateRemaining);
        Assert.Equal(TimeSpan.FromSeconds(1).Ticks, last.RateResetTicks);
    }

    [Fact]
    public void Acquire_DifferentKeys_CountSeparately()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1s" } }""");

        Assert.True(limiter.Take(policy, "a").IsAllowed);
        Assert.True(limiter.Take(policy, "b").IsAllowed);
        Assert.False(limiter.Take(policy, "a").IsAllowed);
    }

    [Fact]
    public void Refund_TokenOfARequestDeniedElsewhere_IsAvailableAgain()
    {
        var limiter = Limiter(_time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1m" } }""");
        var taken = limiter.Take(policy);

        taken.State!.Refund(limiter.Now);

        Assert.True(limiter.Take(policy).IsAllowed);
        Assert.False(limiter.Take(policy).IsAllowed);
    }

    [Fact]
    public void Acquire_PolicyChangedOnReload_KeepsTheStateAndAppliesTheNewLimits()
    {
        var limiter = Limiter(_time);
        var before = Policy("""{ "id": "p", "rate": { "requests": 10, "per": "1s" } }""");
        Assert.Equal(10, limiter.TakeMany(before, 10));

        // Same id, tighter rate: the client's history still counts, so the reload is no free refill.
        var after = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1s" } }""");
        Assert.False(limiter.Take(after).IsAllowed);
    }
}
