using Portico.Concurrency;

namespace Portico.Tests.Concurrency;

/// <summary>The one "take a slot if one is free" counter of load shedding, rate-limit concurrency and bulkheads.</summary>
public sealed class ConcurrencyGateTests
{
    [Fact]
    public void TryEnter_UpToTheLimit_ThenRefusesUntilASlotIsGivenBack()
    {
        var gate = default(ConcurrencyGate);

        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        Assert.False(gate.TryEnter(2));
        Assert.Equal(2, gate.Count); // a refusal leaves no trace
        gate.Exit();
        Assert.True(gate.TryEnter(2));
        Assert.Equal(2, gate.Count);
    }

    [Fact]
    public void TryEnter_LimitLoweredBelowWhatIsInFlight_RefusesUntilBelowIt()
    {
        var gate = default(ConcurrencyGate);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(gate.TryEnter(3));
        }

        Assert.False(gate.TryEnter(2)); // a reload lowered the limit: the three in flight finish
        gate.Exit();
        Assert.False(gate.TryEnter(2));
        gate.Exit();
        Assert.True(gate.TryEnter(2));
    }

    [Fact]
    public void TryEnter_ZeroLimit_RefusesEverything()
    {
        var gate = default(ConcurrencyGate);

        Assert.False(gate.TryEnter(0));
        Assert.Equal(0, gate.Count);
    }

    [Fact]
    public async Task TryEnter_ManyThreadsAtOnce_NeverCountsPastTheLimitAndEndsAtZero()
    {
        const int Limit = 1;
        var holder = new Holder();
        var maxSeen = 0;
        var admitted = 0;
        using var start = new Barrier(4);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 50_000; i++)
            {
                // A refused caller must never push the count past the limit, even for a moment.
                var seen = holder.Gate.Count;
                InterlockedMax(ref maxSeen, seen);
                if (holder.Gate.TryEnter(Limit))
                {
                    Interlocked.Increment(ref admitted);
                    InterlockedMax(ref maxSeen, holder.Gate.Count);
                    holder.Gate.Exit();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.InRange(maxSeen, 1, Limit);
        Assert.True(admitted > 0);
        Assert.Equal(0, holder.Gate.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>The gate lives in a field of a class, used in place, as its owners keep it.</summary>
    private sealed class Holder
    {
        public ConcurrencyGate Gate;
    }
}
