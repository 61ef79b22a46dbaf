using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// Lease sizing and the timing of local refusals (docs/rate-limiting.md, <c>leased</c>): half a second of demand up to
/// the cap, ahead of time only at high rates, and after an empty bucket a wait for a whole lease, spread so instances
/// take turns.
/// </summary>
public sealed class LeasePlannerTests
{
    private static readonly long Now = Noon.UtcTicks;

    // 100 per second, burst 100: the default cap is half the burst shared by the instances (25 for two).
    private static readonly CompiledRateLimitPolicy Hundred = Policy("""{ "id": "p", "rate": { "requests": 100, "per": "1s" } }""", storageConfigured: true);

    [Theory]
    [InlineData(0.0, 1)] // idle: one token at a time
    [InlineData(1.0, 1)]
    [InlineData(10.0, 5)] // half a second of demand
    [InlineData(33.0, 17)] // rounded up
    [InlineData(1000.0, 25)] // at most the cap
    public void Size_HalfASecondOfDemandWithinOneAndTheCap(double demand, long expected) =>
        Assert.Equal(expected, LeasePlanner.Size(demand, Hundred, instances: 2));

    [Fact]
    public void Size_ConfiguredMaxTokens_IsTheCap()
    {
        var capped = Policy("""{ "id": "p", "rate": { "requests": 100, "per": "1s" }, "lease": { "maxTokens": 3 } }""", storageConfigured: true);

        Assert.Equal(3, LeasePlanner.Size(1000, capped, instances: 2));
    }

    [Fact]
    public void TopUp_HighRateWithHalfALeaseLeft_AsksForTheRestOfALease()
    {
        // 40 per second on one of two instances (its share is 50): leases of 20.
        Assert.Equal(10, LeasePlanner.TopUp(held: 10, 40, Hundred, instances: 2));
        Assert.Equal(17, LeasePlanner.TopUp(held: 3, 40, Hundred, instances: 2));
    }

    [Fact]
    public void TopUp_MoreThanHalfALeaseLeft_WaitsForIt() =>
        Assert.Equal(0, LeasePlanner.TopUp(held: 11, 40, Hundred, instances: 2));

    [Fact]
    public void TopUp_LowRate_NothingHeldAhead() =>
        Assert.Equal(0, LeasePlanner.TopUp(held: 1, 6, Hundred, instances: 2)); // leases of 3: one token at a time

    [Fact]
    public void TopUp_DemandOverTheInstancesShare_NeverAhead() =>
        Assert.Equal(0, LeasePlanner.TopUp(held: 1, 60, Hundred, instances: 2)); // 60 > 100 / 2

    [Fact]
    public void IsOverShare_ComparesWithTheRateDividedByTheInstances()
    {
        Assert.False(LeasePlanner.IsOverShare(50, Hundred.Limits, instances: 2));
        Assert.True(LeasePlanner.IsOverShare(51, Hundred.Limits, instances: 2));
        Assert.True(LeasePlanner.IsOverShare(34, Hundred.Limits, instances: 3));
        var quotaOnly = Policy("""{ "id": "q", "quotas": [ { "limit": 10, "period": "hour" } ] }""", storageConfigured: true);
        Assert.False(LeasePlanner.IsOverShare(1e6, quotaOnly.Limits, instances: 2)); // no rate, no share to be over
    }

    [Fact]
    public void WaitsForWholeLease_OnlyWhenFewerThanWantedAndTheyRefillWithinHalfASecond()
    {
        var limits = Hundred.Limits;
        var values = new CounterValues { Tat = Now + TimeSpan.TicksPerSecond - (TimeSpan.TicksPerMillisecond * 50) }; // 5 tokens left

        Assert.False(LeasePlanner.WaitsForWholeLease(in values, limits, Now, wanted: 5)); // they are there
        Assert.True(LeasePlanner.WaitsForWholeLease(in values, limits, Now, wanted: 20)); // 15 more come in 150 ms
        Assert.False(LeasePlanner.WaitsForWholeLease(in values, limits, Now, wanted: 60)); // 55 more take 550 ms
    }

    [Fact]
    public void DenialFor_TokensThereButFewerThanALease_RefusesUntilTheLeaseRefilled()
    {
        var limits = Hundred.Limits;
        var values = new CounterValues { Tat = Now + TimeSpan.TicksPerSecond - (TimeSpan.TicksPerMillisecond * 30) }; // 3 tokens left
        var state = new LocalCounter(Hundred);

        var denial = LeasePlanner.DenialFor(state, in values, limits, Now, wanted: 10);

        Assert.Equal(RateLimitOutcome.Limited, denial.Outcome);
        Assert.Equal(TimeSpan.TicksPerMillisecond * 70, denial.RetryAfterTicks); // 7 more tokens
        Assert.Same(state, denial.State);
    }

    [Fact]
    public void DenialFor_BucketEmpty_TheBucketsOwnAnswer()
    {
        var limits = Hundred.Limits;
        var values = new CounterValues { Tat = Now + TimeSpan.TicksPerSecond }; // empty

        var denial = LeasePlanner.DenialFor(new LocalCounter(Hundred), in values, limits, Now, wanted: 10);

        Assert.Equal(RateLimitOutcome.Limited, denial.Outcome);
        Assert.Equal(TimeSpan.TicksPerMillisecond * 10, denial.RetryAfterTicks); // the next token
    }

    [Fact]
    public void AskAgainAt_RateRefusal_AfterTheLeaseRefillsPlusAtMostHalfALeasePerInstance()
    {
        var limits = Hundred.Limits;
        var values = new CounterValues { Tat = Now + TimeSpan.TicksPerSecond }; // empty
        var denial = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerMillisecond * 10 };
        var refilled = Now + (TimeSpan.TicksPerMillisecond * 200); // 20 tokens
        var spread = TimeSpan.TicksPerMillisecond * 10 * 20 * 4 / 2; // half a lease per instance, four instances

        var seen = new HashSet<long>();
        for (int i = 0; i < 200; i++)
        {
            var at = LeasePlanner.AskAgainAt(in values, limits, Now, wanted: 20, instances: 4, in denial);
            Assert.InRange(at, refilled, refilled + spread - 1);
            seen.Add(at);
        }

        Assert.True(seen.Count > 100, "the instances must not all ask again at the same moment");
    }

    [Fact]
    public void AskAgainAt_LeaseRefillsSlowly_WaitsForTheNextTokenOnly()
    {
        var slow = Policy("""{ "id": "s", "rate": { "requests": 1, "per": "1s", "burst": 10 } }""", storageConfigured: true);
        var values = new CounterValues { Tat = Now + (10 * TimeSpan.TicksPerSecond) }; // empty
        var denial = new RateLimitDecision { Outcome = RateLimitOutcome.Limited, RetryAfterTicks = TimeSpan.TicksPerSecond };

        var at = LeasePlanner.AskAgainAt(in values, slow.Limits, Now, wanted: 5, instances: 2, in denial);

        Assert.InRange(at, Now + TimeSpan.TicksPerSecond, Now + TimeSpan.TicksPerSecond + LeasePlanner.HorizonTicks - 1);
    }

    [Fact]
    public void AskAgainAt_QuotaUsedUp_ExactlyWhenItResets()
    {
        var denial = new RateLimitDecision { Outcome = RateLimitOutcome.QuotaExceeded, RetryAfterTicks = TimeSpan.TicksPerHour };

        Assert.Equal(Now + TimeSpan.TicksPerHour, LeasePlanner.AskAgainAt(default, Hundred.Limits, Now, wanted: 20, instances: 4, in denial));
    }
}
