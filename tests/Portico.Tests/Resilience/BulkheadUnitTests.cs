using Portico.Resilience.Bulkheads;
using Portico.Resilience;

namespace Portico.Tests.Resilience;

/// <summary>The bulkhead's slot and queue accounting.</summary>
public sealed class BulkheadUnitTests
{
    [Fact]
    public void TryEnter_UpToMaxConcurrency_ThenRefuses()
    {
        var bulkhead = new Bulkhead(maxConcurrency: 2, queueLimit: 0);

        Assert.True(bulkhead.TryEnter());
        Assert.True(bulkhead.TryEnter());
        Assert.False(bulkhead.TryEnter());
        bulkhead.Exit();
        Assert.True(bulkhead.TryEnter());
        Assert.Equal(2, bulkhead.InFlight);
    }

    [Fact]
    public async Task EnterAsync_QueueFull_RefusedAtOnce()
    {
        var bulkhead = new Bulkhead(1, queueLimit: 1);
        Assert.True(bulkhead.TryEnter());
        var waiting = bulkhead.EnterAsync(CancellationToken.None);

        Assert.False(await bulkhead.EnterAsync(CancellationToken.None));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, bulkhead.Queued);

        bulkhead.Exit();
        Assert.True(await waiting);
        Assert.Equal(0, bulkhead.Queued);
        Assert.Equal(1, bulkhead.InFlight);
    }

    [Fact]
    public async Task EnterAsync_WaitCancelled_ReturnsFalseAndLeavesTheQueue()
    {
        var bulkhead = new Bulkhead(1, queueLimit: 4);
        Assert.True(bulkhead.TryEnter());
        using var cancel = new CancellationTokenSource();
        var waiting = bulkhead.EnterAsync(cancel.Token);

        await cancel.CancelAsync();

        Assert.False(await waiting);
        Assert.Equal(0, bulkhead.Queued);
        Assert.Equal(1, bulkhead.InFlight);
    }

    [Fact]
    public async Task EnterAndExit_ManyConcurrentCallers_NeverExceedTheLimit()
    {
        var bulkhead = new Bulkhead(3, queueLimit: 1000);
        int inside = 0, peak = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                Assert.True(await bulkhead.EnterAsync(CancellationToken.None));
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref peak, now);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
                bulkhead.Exit();
            }
        })));

        Assert.InRange(peak, 1, 3);
        Assert.Equal(0, bulkhead.InFlight);
        Assert.Equal(0, bulkhead.Queued);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
