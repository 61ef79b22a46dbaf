using System.Collections.Concurrent;

namespace Portico.Caching;

/// <summary>
/// Request coalescing: the first miss for a key goes to the backend; later misses for the same key wait (bounded)
/// for it to finish and then look in the store again, so N concurrent misses cost one backend call when the answer
/// is storable. When it is not, or the wait times out, each waiter goes to the backend itself.
/// </summary>
internal sealed class RequestCoalescer
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _inFlight = new(StringComparer.Ordinal);
    private int _waiting;

    /// <summary>Keys with a call in flight.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Requests waiting for another one's call now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Waits for <paramref name="leader"/> at most <paramref name="timeout"/>; false when it timed out.</summary>
    public async Task<bool> WaitAsync(Task leader, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await leader.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>
    /// Joins the call for <paramref name="key"/>: true when the caller leads (and must <see cref="Release"/> the key),
    /// false with the leader's completion to wait for.
    /// </summary>
    public bool TryLead(string key, out Task leader)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = _inFlight.GetOrAdd(key, mine);
        leader = current.Task;
        return ReferenceEquals(current, mine);
    }

    /// <summary>Ends the lead on <paramref name="key"/> and wakes its waiters.</summary>
    public void Release(string key)
    {
        if (_inFlight.TryRemove(key, out var source))
        {
            source.TrySetResult();
        }
    }
}
