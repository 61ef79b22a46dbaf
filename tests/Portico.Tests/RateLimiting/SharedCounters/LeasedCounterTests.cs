using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// The <c>leased</c> store on a real Azurite and a fake clock: requests are served from leases that grow with demand,
/// unspent tokens go back once the TTL passes, and with the bucket empty the instance refuses without storage calls.
/// </summary>
public sealed class LeasedCounterTests
{
    [Fact]
    public async Task AcquireAsync_HundredPerSecondForASecond_ServedFromLeasesWithFewWrites()
    {
        using var rig = await CounterRig.StartAsync();
        var policy = Policy("""{ "id": "leased", "rate": { "requests": 1000, "per": "1s" }, "store": "leased" }""", storageConfigured: true);

        var allowed = 0;
        for (int i = 0; i < 100; i++)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(10));
            if ((await rig.Limiter.AcquireAsync(policy, "k")).IsAllowed)
            {
                allowed++;
            }
        }

        Assert.Equal(100, allowed);
        var writes = rig.StorageOperations("insert") + rig.StorageOperations("update");
        Assert.InRange(writes, 1, 20); // leases grow to half a second of demand: at most one write per five requests
        Assert.True(rig.Metrics.Sum("portico.ratelimit.lease.tokens", ("direction", "taken")) >= 100);
    }

    [Fact]
    public async Task ReturnExpiredLeasesAsync_KeyWentIdle_UnspentTokensGoBackToTheBucket()
    {
        using var rig = await CounterRig.StartAsync();
        var policy = Policy("""{ "id": "leased", "rate": { "requests": 1, "per": "1h", "burst": 10 }, "store": "leased", "lease": { "maxTokens": 8, "ttl": "200ms" } }""", storageConfigured: true);
        var burst = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => rig.Limiter.AcquireAsync(policy, "k").AsTask()));
        Assert.All(burst, d => Assert.True(d.IsAllowed));
        var counter = Assert.IsType<LeasedCounter>(burst[0].State);
        var taken = rig.Metrics.Sum("portico.ratelimit.lease.tokens", ("direction", "taken"));
        Assert.True(taken > 3, "the burst's demand leases more than it spends");
        Assert.Equal(taken - 3, counter.LeaseTokens);

        await rig.Limiter.ReturnExpiredLeasesAsync(all: false); // the lease is still valid: nothing goes back
        Assert.Equal(taken - 3, counter.LeaseTokens);
        rig.Time.Advance(TimeSpan.FromMilliseconds(200));
        await rig.Limiter.ReturnExpiredLeasesAsync(all: false);

        Assert.Equal(0, counter.LeaseTokens);
        Assert.Equal(taken - 3, rig.Metrics.Sum("portico.ratelimit.lease.tokens", ("direction", "returned")));
        var entity = await rig.EntityAsync("leased", "k");
        Assert.Equal(Noon.UtcTicks + (3 * TimeSpan.TicksPerHour), entity!.GetInt64("Tat")); // only the three spent stay taken
    }

    [Fact]
    public async Task AcquireAsync_BucketEmpty_RefusesLocallyWithoutStorageUntilALeaseRefilled()
    {
        using var rig = await CounterRig.StartAsync();
        var policy = Policy("""{ "id": "leased", "rate": { "requests": 10, "per": "1s", "burst": 4 }, "store": "leased" }""", storageConfigured: true);
        var allowed = 0;
        RateLimitDecision refused = default;
        for (int i = 0; i < 10 && allowed < 5; i++)
        {
            var decision = await rig.Limiter.AcquireAsync(policy, "k");
            if (!decision.IsAllowed)
            {
                refused = decision;
                break;
            }

            allowed++;
        }

        Assert.Equal(4, allowed);
        Assert.Equal(RateLimitOutcome.Limited, refused.Outcome);
        var operations = rig.StorageOperations();

        for (int i = 0; i < 20; i++)
        {
            Assert.False(CounterRig.DecidedFromMemory(rig.Limiter.AcquireAsync(policy, "k")).IsAllowed);
        }

        Assert.Equal(operations, rig.StorageOperations());
        rig.Time.Advance(TimeSpan.FromSeconds(1)); // past any wait: the bucket is full again
        Assert.True((await rig.Limiter.AcquireAsync(policy, "k")).IsAllowed);
    }

    [Fact]
    public async Task Refund_RequestDeniedByALaterPolicy_TokenGoesBackToTheLease()
    {
        using var rig = await CounterRig.StartAsync();
        var policy = Policy("""{ "id": "leased", "rate": { "requests": 1, "per": "1h", "burst": 10 }, "store": "leased", "lease": { "maxTokens": 8 } }""", storageConfigured: true);
        var burst = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => rig.Limiter.AcquireAsync(policy, "k").AsTask()));
        var counter = Assert.IsType<LeasedCounter>(burst[0].State);
        var held = counter.LeaseTokens;

        counter.Refund(rig.Limiter.Now);

        Assert.Equal(held + 1, counter.LeaseTokens);
    }
}
