using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;
using static Portico.Tests.RateLimiting.RateLimitTestKit;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>
/// The <c>exact</c> store on a real Azurite and a fake clock: concurrent requests share one write, what the last-known
/// state refuses costs no storage call, and after storage found no token the instance refuses from memory until its
/// turn to ask again.
/// </summary>
public sealed class ExactCounterTests
{
    // Ten per second with a burst of five: a token every 100 ms.
    private static readonly CompiledRateLimitPolicy Exact = Policy(
        """{ "id": "exact", "rate": { "requests": 10, "per": "1s", "burst": 5 }, "store": "exact" }""", storageConfigured: true);

    [Fact]
    public async Task AcquireAsync_TwelveConcurrentRequestsOnANewKey_TwoWritesAdmitTheBurst()
    {
        using var rig = await CounterRig.StartAsync();

        // The first request reads and writes for itself; the eleven that queued meanwhile are one batch, one write.
        var pending = Enumerable.Range(0, 12).Select(_ => rig.Limiter.AcquireAsync(Exact, "k").AsTask()).ToList();
        var decisions = await Task.WhenAll(pending);

        Assert.Equal(5, decisions.Count(d => d.IsAllowed));
        Assert.All(decisions.Where(d => !d.IsAllowed), d => Assert.Equal(RateLimitOutcome.Limited, d.Outcome));
        Assert.Equal(1, rig.StorageOperations("read"));
        Assert.Equal(1, rig.StorageOperations("insert"));
        Assert.Equal(1, rig.StorageOperations("update"));
        Assert.IsType<ExactCounter>(decisions[0].State);
    }

    [Fact]
    public async Task AcquireAsync_LastKnownStateRefuses_DecidedFromMemoryWithoutStorage()
    {
        using var rig = await CounterRig.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            Assert.True((await rig.Limiter.AcquireAsync(Exact, "k")).IsAllowed);
        }

        var operations = rig.StorageOperations();
        for (int i = 0; i < 20; i++)
        {
            var refused = CounterRig.DecidedFromMemory(rig.Limiter.AcquireAsync(Exact, "k"));
            Assert.Equal(RateLimitOutcome.Limited, refused.Outcome);
            Assert.Equal(TimeSpan.TicksPerMillisecond * 100, refused.RetryAfterTicks); // the next token
        }

        Assert.Equal(operations, rig.StorageOperations());
    }

    [Fact]
    public async Task AcquireAsync_AnotherInstanceTookEveryToken_RefusesFromMemoryUntilItsTurn()
    {
        using var first = await CounterRig.StartAsync(instances: 2);
        using var second = await CounterRig.BesideAsync(first, instances: 2);
        for (int i = 0; i < 5; i++)
        {
            Assert.True((await first.Limiter.AcquireAsync(Exact, "k")).IsAllowed);
        }

        // The second instance finds the bucket empty (one read, no write) ...
        Assert.Equal(RateLimitOutcome.Limited, (await second.Limiter.AcquireAsync(Exact, "k")).Outcome);
        Assert.Equal(1, second.StorageOperations());

        // ... and when the next token is there by what it read, it still refuses without asking: its turn comes a
        // random part of one token interval per instance (2 × 100 ms) after the token.
        first.Time.Advance(TimeSpan.FromMilliseconds(100));
        var cached = CounterRig.DecidedFromMemory(second.Limiter.AcquireAsync(Exact, "k"));
        Assert.Equal(RateLimitOutcome.Limited, cached.Outcome);
        Assert.InRange(cached.RetryAfterTicks, 1, TimeSpan.TicksPerMillisecond * 200);
        Assert.Equal(1, second.StorageOperations());

        first.Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True((await second.Limiter.AcquireAsync(Exact, "k")).IsAllowed);
        Assert.Equal(1, second.StorageOperations("update"));
    }

    [Fact]
    public async Task AcquireAsync_StorageUnreachableFailOpen_LocalShareUntilAWriteSucceeds()
    {
        using var rig = CounterRig.Unreachable();
        var open = Policy("""{ "id": "open", "rate": { "requests": 1, "per": "1h", "burst": 3 }, "store": "exact" }""", storageConfigured: true);

        var decisions = new List<RateLimitDecision>();
        for (int i = 0; i < 5; i++)
        {
            decisions.Add(await rig.Limiter.AcquireAsync(open, "k"));
        }

        Assert.Equal(3, decisions.Count(d => d.IsAllowed));
        Assert.All(decisions, d => Assert.True(d.Degraded));
        Assert.Equal(1, rig.Metrics.Sum("portico.ratelimit.storage.operations", ("outcome", "failed"))); // then the breaker is open
        Assert.False(decisions[^1].State!.IsIdle(rig.Limiter.Now + TimeSpan.TicksPerHour)); // the local share is still counting
    }
}
