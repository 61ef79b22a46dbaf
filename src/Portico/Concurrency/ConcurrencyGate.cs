namespace Portico.LoadShedding;

/// <summary>
/// Counts requests in flight against a limit. An interlocked counter rather than
/// <c>System.Threading.RateLimiting.ConcurrencyLimiter</c>: that one hands out a lease object per request, and a
/// gate that never queues needs nothing more than an increment and a decrement.
/// </summary>
internal sealed class InFlightGate
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Admits one more request unless <paramref name="limit"/> are in flight.</summary>
    public bool TryEnter(int limit)
    {
        if (Interlocked.Increment(ref _count) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _count);
}
