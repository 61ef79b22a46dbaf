namespace Portico.Concurrency;

/// <summary>
/// Counts calls in flight and lets one more in only while fewer than a limit are: the gate of load shedding (the
/// gateway's and each route's), of a rate-limit policy's <c>concurrency</c> per key, and the slots of a backend's
/// bulkhead.
/// </summary>
/// <remarks>
/// <para>
/// Every request passes one or more of these, so a slot is taken with one compare-and-swap, with no lock and no
/// allocation. Compare-and-swap rather than increment-then-undo: the count never passes the limit, not even for a
/// moment, so a caller is never refused because another was being turned away at the same time, and the count
/// read for metrics never shows more than the limit. Not <c>System.Threading.RateLimiting.ConcurrencyLimiter</c>:
/// it hands out a lease object per call, and a gate that never queues needs nothing more than this.
/// </para>
/// <para>
/// A mutable struct, so a gate per rate-limit key costs no allocation of its own: keep it in a field that is not
/// <c>readonly</c> (in a class; <c>StrongBox</c> where it must live on its own) and use it only in place, since a
/// copy would count on its own.
/// </para>
/// </remarks>
internal struct ConcurrencyGate
{
    private int _count;

    /// <summary>Calls in flight now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are taken.</summary>
    public bool TryEnter(int limit)
    {
        var current = Volatile.Read(ref _count);
        while (current < limit)
        {
            var seen = Interlocked.CompareExchange(ref _count, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Gives back a slot taken by <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _count);
}
