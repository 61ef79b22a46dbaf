using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Portico.AddressLimits;

/// <summary>
/// Token buckets per client address, one <c>long</c> each (GCRA: the address's theoretical arrival time, in
/// <see cref="TimeSpan"/> ticks of a monotonic clock). Memory is bounded: at <c>maxTracked</c> addresses, those whose
/// bucket is full again are forgotten (they carry no information); when none is, a new address shares one overflow
/// bucket until some recover. Both events are reported through <see cref="Evicted"/> and <see cref="Overflowed"/>.
/// </summary>
/// <remarks>
/// Hand-written rather than <c>System.Threading.RateLimiting</c>'s partitioned limiters: those read the system clock
/// rather than <see cref="TimeProvider"/>, keep a timer and a lease object per partition, and have no bound on
/// partitions. A check here is one dictionary lookup and one compare-and-swap.
/// </remarks>
internal sealed class AddressBuckets
{
    private readonly ConcurrentDictionary<UInt128, StrongBox<long>> _arrivals = new();
    private readonly TimeProvider _time;
    private readonly double _ticksPerTimestamp;
    private readonly int _maxTracked;
    private long _lastSweep = long.MinValue;

    public AddressBuckets(TimeProvider time, int maxTracked)
    {
        _time = time;
        _ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / time.TimestampFrequency;
        _maxTracked = maxTracked;
    }

    /// <summary>Called with the number of addresses forgotten to make room.</summary>
    public Action<int>? Evicted { get; init; }

    /// <summary>Called when a new address had to share the overflow bucket.</summary>
    public Action? Overflowed { get; init; }

    /// <summary>Addresses tracked now.</summary>
    public int Count => _arrivals.Count;

    /// <summary>Now, in ticks of the monotonic clock the buckets count in.</summary>
    public long Now => (long)(_time.GetTimestamp() * _ticksPerTimestamp);

    /// <summary>
    /// Takes one token from <paramref name="key"/>'s bucket under <paramref name="rate"/>. On refusal nothing is taken and
    /// <paramref name="retryAfterTicks"/> says when a token is back; <paramref name="remaining"/> and
    /// <paramref name="resetTicks"/> (until the bucket is full) describe the bucket after the decision.
    /// </summary>
    public bool TryTake(UInt128 key, AddressRate rate, out long remaining, out long resetTicks, out long retryAfterTicks)
    {
        var arrival = Get(key, create: true)!;
        var now = Now;
        long seen, next;
        do
        {
            seen = Volatile.Read(ref arrival.Value);
            var start = Math.Max(seen, now);
            if (start - now > rate.ToleranceTicks)
            {
                retryAfterTicks = start - now - rate.ToleranceTicks;
                resetTicks = start - now;
                remaining = 0;
                return false;
            }

            next = start + rate.IntervalTicks;
        }
        while (Interlocked.CompareExchange(ref arrival.Value, next, seen) != seen);

        retryAfterTicks = 0;
        resetTicks = next - now;
        remaining = Math.Max(0, (rate.ToleranceTicks + rate.IntervalTicks - resetTicks) / rate.IntervalTicks);
        return true;
    }

    /// <summary>Whether <paramref name="key"/>'s bucket is empty under <paramref name="rate"/> (nothing is taken); if so, when a token is back.</summary>
    public bool IsEmpty(UInt128 key, AddressRate rate, out long retryAfterTicks)
    {
        retryAfterTicks = 0;
        var arrival = Get(key, create: false);
        if (arrival is null)
        {
            return false;
        }

        var wait = Volatile.Read(ref arrival.Value) - Now - rate.ToleranceTicks;
        if (wait <= 0)
        {
            return false;
        }

        retryAfterTicks = wait;
        return true;
    }

    /// <summary>Takes one token from <paramref name="key"/>'s bucket even when it is empty (a failure to remember, not a request to admit).</summary>
    public void Charge(UInt128 key, AddressRate rate)
    {
        var arrival = Get(key, create: true)!;
        var now = Now;
        long seen, next;
        do
        {
            seen = Volatile.Read(ref arrival.Value);
            // Never further ahead than one interval past a full refusal, so a flood does not lock an address out forever.
            next = Math.Min(Math.Max(seen, now) + rate.IntervalTicks, now + rate.ToleranceTicks + rate.IntervalTicks);
        }
        while (Interlocked.CompareExchange(ref arrival.Value, next, seen) != seen);
    }

    private StrongBox<long>? Get(UInt128 key, bool create)
    {
        if (_arrivals.TryGetValue(key, out var arrival))
        {
            return arrival;
        }

        if (!create)
        {
            return _arrivals.TryGetValue(AddressKey.Overflow, out arrival) ? arrival : null;
        }

        if (_arrivals.Count >= _maxTracked && !MakeRoom())
        {
            Overflowed?.Invoke();
            key = AddressKey.Overflow;
        }

        return _arrivals.GetOrAdd(key, static _ => new StrongBox<long>(long.MinValue));
    }

    /// <summary>
    /// Forgets addresses whose bucket is full again; false when none was. Sweeps at most once a second, so a flood of
    /// new addresses against a table of busy ones costs a lookup each, not a scan each.
    /// </summary>
    private bool MakeRoom()
    {
        var now = Now;
        var last = Volatile.Read(ref _lastSweep);
        if ((last != long.MinValue && now - last < TimeSpan.TicksPerSecond) || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return false;
        }

        var freed = 0;
        foreach (var (key, arrival) in _arrivals)
        {
            if (key != AddressKey.Overflow && Volatile.Read(ref arrival.Value) <= now && _arrivals.TryRemove(key, out _))
            {
                freed++;
            }
        }

        if (freed > 0)
        {
            Evicted?.Invoke(freed);
        }

        return freed > 0;
    }
}
