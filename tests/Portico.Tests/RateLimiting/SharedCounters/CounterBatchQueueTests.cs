using Portico.RateLimiting;
using Portico.RateLimiting.SharedCounters;

namespace Portico.Tests.RateLimiting.SharedCounters;

/// <summary>Group commit: one storage call out per counter; whoever queued meanwhile is decided by the next one, led by the first of them.</summary>
public sealed class CounterBatchQueueTests
{
    [Fact]
    public void JoinOrLead_NoCallOut_LeadsAtOnce()
    {
        var sync = new Lock();
        var queue = new CounterBatchQueue(sync);

        Assert.True(queue.JoinOrLead(new CounterWaiter()));
        lock (sync)
        {
            Assert.True(queue.IsBusy);
            Assert.Equal(0, queue.Waiting);
        }
    }

    [Fact]
    public void HandOff_RequestsQueuedBehindTheCall_FirstLeadsABatchOfAllOfThem()
    {
        var sync = new Lock();
        var queue = new CounterBatchQueue(sync);
        var leader = new CounterWaiter();
        Assert.True(queue.JoinOrLead(leader));
        var queued = Enumerable.Range(0, 3).Select(_ => new CounterWaiter()).ToList();
        Assert.All(queued, w => Assert.False(queue.JoinOrLead(w)));
        lock (sync)
        {
            Assert.Equal(3, queue.Waiting);
        }

        queue.HandOff();

        Assert.True(queued[0].Done.Task.IsCompleted);
        Assert.True(queued[0].Lead);
        Assert.All(queued.Skip(1), w => Assert.False(w.Done.Task.IsCompleted));
        var batch = queue.TakeBatch(queued[0]);
        Assert.Equal(queued, batch); // the new leader first, then the others in order
        lock (sync)
        {
            Assert.True(queue.IsBusy); // the new leader's call is out
            Assert.Equal(0, queue.Waiting);
        }
    }

    [Fact]
    public void HandOff_NobodyQueued_NoCallOut()
    {
        var sync = new Lock();
        var queue = new CounterBatchQueue(sync);
        Assert.True(queue.JoinOrLead(new CounterWaiter()));

        queue.HandOff();

        lock (sync)
        {
            Assert.False(queue.IsBusy);
        }

        Assert.True(queue.JoinOrLead(new CounterWaiter()));
    }

    [Fact]
    public async Task Complete_Batch_EveryRequestGetsItsDecision()
    {
        var batch = new List<CounterWaiter> { new(), new() };
        batch[0].Decision.Outcome = RateLimitOutcome.Allowed;
        batch[1].Decision.Outcome = RateLimitOutcome.Limited;

        CounterBatchQueue.Complete(batch);

        await Task.WhenAll(batch.Select(w => w.Done.Task));
        Assert.Equal(new[] { RateLimitOutcome.Allowed, RateLimitOutcome.Limited }, batch.Select(w => w.Decision.Outcome));
        Assert.All(batch, w => Assert.False(w.Lead));
    }

    [Fact]
    public void Claim_TopUpOut_RequestsQueueBehindIt()
    {
        var sync = new Lock();
        var queue = new CounterBatchQueue(sync);
        lock (sync)
        {
            queue.Claim();
        }

        var waiter = new CounterWaiter();
        Assert.False(queue.JoinOrLead(waiter));
        queue.HandOff();
        Assert.True(waiter.Lead);
    }
}
