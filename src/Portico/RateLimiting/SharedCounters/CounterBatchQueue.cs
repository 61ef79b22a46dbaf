namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// Group commit for one shared counter: its storage calls are made one batch at a time. A request that finds a call
/// out queues; when the call ends, the first request queued leads the next one, for itself and everyone queued behind
/// it, so a burst of concurrent requests costs one round trip instead of one each.
/// </summary>
/// <remarks>
/// It shares its counter's lock (<paramref name="sync"/>): whether a call is out and how many wait are read together
/// with the counter's other state. Members marked so expect that lock held; the others take it.
/// </remarks>
internal sealed class CounterBatchQueue(Lock sync)
{
    private readonly List<CounterWaiter> _waiting = [];
    private bool _busy;

    /// <summary>Whether a storage call for the counter is out (or a batch is being decided). The counter's lock is held.</summary>
    public bool IsBusy => _busy;

    /// <summary>Requests queued for the next call. The counter's lock is held.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Marks a call out for work that is no request's (a top-up, a lease return). The counter's lock is held and no call is out.</summary>
    public void Claim() => _busy = true;

    /// <summary>True when <paramref name="waiter"/> is to make a call now; false when it was queued behind the call out.</summary>
    public bool JoinOrLead(CounterWaiter waiter)
    {
        lock (sync)
        {
            if (_busy)
            {
                _waiting.Add(waiter);
                return false;
            }

            _busy = true;
            return true;
        }
    }

    /// <summary>The batch <paramref name="leader"/> decides: itself first, then every request queued now.</summary>
    public List<CounterWaiter> TakeBatch(CounterWaiter leader)
    {
        lock (sync)
        {
            var batch = new List<CounterWaiter>(_waiting.Count + 1) { leader };
            batch.AddRange(_waiting);
            _waiting.Clear();
            return batch;
        }
    }

    /// <summary>Ends the call out: the first request queued leads the next one, or the counter has no call out.</summary>
    public void HandOff()
    {
        CounterWaiter? next = null;
        lock (sync)
        {
            if (_waiting.Count > 0)
            {
                next = _waiting[0];
                _waiting.RemoveAt(0);
                next.Lead = true;
            }
            else
            {
                _busy = false;
            }
        }

        next?.Done.TrySetResult();
    }

    /// <summary>Releases every request of <paramref name="batch"/> with the decision set on it.</summary>
    public static void Complete(List<CounterWaiter> batch)
    {
        foreach (var waiter in batch)
        {
            waiter.Done.TrySetResult();
        }
    }
}
