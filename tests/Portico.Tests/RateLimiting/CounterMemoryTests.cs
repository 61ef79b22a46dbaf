using Microsoft.Extensions.Time.Testing;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting;

/// <summary>Counters in memory are bounded: idle ones are forgotten, and past the key limit new keys share one counter.</summary>
public sealed class CounterMemoryTests
{
    [Fact]
    public void Sweep_CounterStillCarriesState_KeptUntilItsBucketIsFullAgain()
    {
        var time = new FakeTimeProvider(Noon);
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1m" } }""");
        Assert.True(limiter.Take(policy, "a").IsAllowed);

        Assert.Equal(0, limiter.Sweep());
        Assert.False(limiter.Take(policy, "a").IsAllowed); // forgetting it now would be a free refill

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, limiter.Sweep());
        Assert.Equal(0, limiter.TrackedKeys);
        Assert.True(limiter.Take(policy, "a").IsAllowed);
    }

    [Fact]
    public void Sweep_QuotaCountedInTheCurrentWindow_KeptUntilTheWindowEnds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 11, 22, 0, 0, TimeSpan.Zero));
        var limiter = Limiter(time);
        var policy = Policy("""{ "id": "p", "quotas": [ { "limit": 5, "period": "day" } ] }""");
        limiter.Take(policy, "a");

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, limiter.Sweep());
        time.Advance(TimeSpan.FromHours(1)); // midnight UTC: the count no longer matters
        Assert.Equal(1, limiter.Sweep());
    }

    [Fact]
    public void Acquire_MoreKeysThanTheLimit_NewKeysShareOneOverflowCounter()
    {
        var limiter = Limiter(new FakeTimeProvider(Noon), maxTrackedKeys: 100);
        var policy = Policy("""{ "id": "p", "rate": { "requests": 1, "per": "1m" } }""");
        for (int i = 0; i < 100; i++)
        {
            Assert.True(limiter.Take(policy, $"client-{i}").IsAllowed);
        }

        // Key 101 and on share the overflow counter: the first gets its token, the flood behind it does not.
        Assert.True(limiter.Take(policy, "client-100").IsAllowed);
        Assert.False(limiter.Take(policy, "client-101").IsAllowed);
        Assert.False(limiter.Take(policy, "client-102").IsAllowed);
        Assert.Equal(101, limiter.TrackedKeys);
    }
}
