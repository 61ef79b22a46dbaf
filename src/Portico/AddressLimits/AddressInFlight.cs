using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Portico.Concurrency;

namespace Portico.AddressLimits;

/// <summary>
/// Requests (or connections) in flight per client address, each behind a <see cref="ConcurrencyGate"/>. Memory is
/// bounded like <see cref="AddressBuckets"/>: at <c>maxTracked</c> addresses, those with nothing in flight are forgotten;
/// when none is, a new address shares one overflow gate.
/// </summary>
/// <remarks>
/// An entry is not removed when its count drops to zero: a removal racing with an entry would lose a count, and a
/// client with one request at a time would allocate a gate per request. Idle entries go when room is needed.
/// </remarks>
internal sealed class AddressInFlight
{
    private readonly ConcurrentDictionary<UInt128, StrongBox<ConcurrencyGate>> _gates = new();
    private readonly int _maxTracked;
    private long _lastSweep = long.MinValue;

    public AddressInFlight(int maxTracked) => _maxTracked = maxTracked;

    /// <summary>Called with the number of idle addresses forgotten to make room.</summary>
    public Action<int>? Evicted { get; init; }

    /// <summary>Called when a new address had to share the overflow gate.</summary>
    public Action? Overflowed { get; init; }

    /// <summary>Addresses tracked now.</summary>
    public int Count => _gates.Count;

    /// <summary>
    /// Takes a slot for <paramref name="key"/> if it has fewer than <paramref name="limit"/> in flight; the gate to
    /// <see cref="ConcurrencyGate.Exit"/> when done, or null when refused.
    /// </summary>
    public StrongBox<ConcurrencyGate>? TryEnter(UInt128 key, int limit)
    {
        if (!_gates.TryGetValue(key, out var gate))
        {
            if (_gates.Count >= _maxTracked && !MakeRoom())
            {
                Overflowed?.Invoke();
                key = AddressKey.Overflow;
            }

            gate = _gates.GetOrAdd(key, static _ => new StrongBox<ConcurrencyGate>());
        }

        return gate.Value.TryEnter(limit) ? gate : null;
    }

    /// <summary>In flight now for <paramref name="key"/> (for tests).</summary>
    internal int InFlight(UInt128 key) => _gates.TryGetValue(key, out var gate) ? gate.Value.Count : 0;

    private bool MakeRoom()
    {
        // At most one sweep a second: a flood of new addresses against a table of busy ones costs a lookup each, not a scan.
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastSweep);
        if ((last != long.MinValue && now - last < 1000) || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return false;
        }

        var freed = 0;
        foreach (var (key, gate) in _gates)
        {
            // Removed only if still idle and still this gate; a request entering it in between holds a gate that is no
            // longer in the table and gives its slot back to it: that address may briefly have one more in flight.
            if (key != AddressKey.Overflow && gate.Value.Count == 0 && _gates.TryRemove(new KeyValuePair<UInt128, StrongBox<ConcurrencyGate>>(key, gate)))
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
