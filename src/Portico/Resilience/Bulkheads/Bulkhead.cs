using Portico.Concurrency;

namespace Portico.Resilience.Bulkheads;

/// <summary>
/// A backend's bulkhead: at most <c>maxConcurrency</c> calls in flight and <c>queueLimit</c> waiting. A free slot is
/// taken from a <see cref="ConcurrencyGate"/> (one compare-and-swap, no lock, no allocation), which matters because
/// every proxied request passes here; only a full bulkhead queues, on a semaphore. Waiting calls are woken as slots
/// free up; a call arriving at that moment may take the slot first (no strict FIFO), which keeps the fast path
/// lock-free.
/// </summary>
internal sealed class Bulkhead(int maxConcurrency, int queueLimit)
{
    private readonly SemaphoreSlim _slotFreed = new(0);
    private ConcurrencyGate _slots;
    private int _queued;

    public int MaxConcurrency => maxConcurrency;

    public int QueueLimit => queueLimit;

    /// <summary>Calls in flight now.</summary>
    public int InFlight => _slots.Count;

    /// <summary>Calls waiting now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Takes a slot if one is free.</summary>
    public bool TryEnter() => _slots.TryEnter(maxConcurrency);

    /// <summary>Waits for a slot in the queue; false at once when the queue is full, or when <paramref name="cancellationToken"/> ends the wait.</summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (TryEnter())
        {
            return true;
        }

        if (Interlocked.Increment(ref _queued) > queueLimit)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        try
        {
            while (true)
            {
                // A release between the failed attempt and this wait is remembered by the semaphore.
                if (TryEnter())
                {
                    return true;
                }

                await _slotFreed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Gives a slot back and wakes a waiting call, if any.</summary>
    public void Exit()
    {
        _slots.Exit();
        if (Volatile.Read(ref _queued) > 0)
        {
            _slotFreed.Release();
        }
    }
}
