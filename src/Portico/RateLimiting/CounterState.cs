using Portico.Concurrency;

namespace Portico.RateLimiting;

/// <summary>
/// What one instance keeps for one policy and key. It outlives snapshots: a registry reload does not reset a
/// client's counters (or its requests in flight) as long as the policy keeps its id and store.
/// </summary>
internal abstract class CounterState
{
    private ConcurrencyGate _inFlight;
    private long _lastUsed;

    /// <summary>The policy as of the last request (limits can change on reload; the state stays).</summary>
    public CompiledRateLimitPolicy Policy { get; private set; }

    protected CounterState(CompiledRateLimitPolicy policy) => Policy = policy;

    /// <summary>Requests of this key in flight in this instance.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>When the counter was last used (UTC ticks), so idle ones can be forgotten.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    public void Touch(CompiledRateLimitPolicy policy, long now)
    {
        Policy = policy;
        Volatile.Write(ref _lastUsed, now);
    }

    /// <summary>Counts one more request in flight unless <paramref name="limit"/> are already.</summary>
    public bool TryEnter(int limit) => _inFlight.TryEnter(limit);

    /// <summary>Counts one request of this key less in flight.</summary>
    public void Exit() => _inFlight.Exit();

    /// <summary>Gives back the token of a request that was allowed here but denied by a later policy.</summary>
    public abstract void Refund(long now);

    /// <summary>Gives back <paramref name="tokens"/> tokens taken by one charge (a GraphQL operation's cost) that a later policy denied.</summary>
    public virtual void Refund(long now, long tokens)
    {
        for (long i = 0; i < tokens; i++)
        {
            Refund(now);
        }
    }

    /// <summary>Whether forgetting this state now loses nothing (bucket full, no quota counted, nothing in flight or leased).</summary>
    public abstract bool IsIdle(long now);
}
