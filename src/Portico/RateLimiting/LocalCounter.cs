namespace Portico.RateLimiting;

/// <summary>
/// A counter in this instance's memory: the <c>local</c> store, and the fallback of shared policies while
/// storage is unreachable. Decisions take a short lock (a GCRA step and a few quota counts) and allocate nothing.
/// </summary>
internal sealed class LocalCounter(CompiledRateLimitPolicy policy) : CounterState(policy)
{
    private readonly Lock _lock = new();
    private CounterValues _values;
    private PerPeriod<long> _lastWindows;
    private CounterLimits _lastLimits = CounterLimits.None;

    /// <summary>Decides one request against <paramref name="limits"/>.</summary>
    public RateLimitDecision Acquire(in CounterLimits limits, long now) => Acquire(in limits, now, 1);

    /// <summary>Takes <paramref name="tokens"/> tokens at once if <paramref name="limits"/> allow them all (a GraphQL operation's cost).</summary>
    public RateLimitDecision Acquire(in CounterLimits limits, long now, long tokens)
    {
        var decision = new RateLimitDecision { State = this };
        lock (_lock)
        {
            CounterMath.TryTake(ref _values, in limits, now, tokens, ref decision);
            _lastLimits = limits;
            _lastWindows = CounterMath.WindowStarts(now);
        }

        return decision;
    }

    public override void Refund(long now) => Refund(now, 1);

    public override void Refund(long now, long tokens)
    {
        lock (_lock)
        {
            CounterMath.Return(ref _values, in _lastLimits, now, tokens, in _lastWindows);
        }
    }

    public override bool IsIdle(long now)
    {
        lock (_lock)
        {
            return InFlight == 0 && CounterMath.ExpiresAt(in _values) <= now;
        }
    }
}
