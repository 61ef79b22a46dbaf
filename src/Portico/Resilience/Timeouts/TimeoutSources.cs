using Microsoft.Extensions.ObjectPool;

namespace Portico.Resilience.Timeouts;

/// <summary>
/// The cancellation sources behind route and attempt timeouts. On the system clock they are reused across requests
/// (reset, then re-armed), so a timeout costs a timer change instead of a new source and timer per request; on any
/// other clock (a fake one in tests) each timeout gets a source of its own that follows that clock.
/// </summary>
internal sealed class TimeoutSources(TimeProvider time)
{
    // One source per request in flight (two with an attempt timeout). ObjectPool.Create keeps only twice the core
    // count, so at 64 connections most requests missed the pool and paid a new source and timer, and the timer
    // queue's lock (issue 25, docs/performance.md). Sources beyond this many in flight are created and dropped.
    private const int Retained = 1024;

    private static readonly ObjectPool<CancellationTokenSource> Pool =
        new DefaultObjectPool<CancellationTokenSource>(new DefaultPooledObjectPolicy<CancellationTokenSource>(), Retained);

    // A few idle sources per thread in front of the shared pool: the shared pool's compare-and-swap and queue are on
    // words every core writes, which move between the cores on each rent and return (issue 25). A request's source is
    // usually given back on another thread than the one that rented it, so each thread's stock drifts up and down; with
    // room for one source, many rents and returns went on to the shared pool (its queue about 0.2 µs per request in
    // `perf`), with room for a few, fewer do.
    private const int PerThread = 4;

    [ThreadStatic]
    private static CancellationTokenSource?[]? t_idle;

    [ThreadStatic]
    private static int t_idleCount;

    /// <summary>A source that cancels after <paramref name="timeout"/>; give it back with <see cref="Return"/>.</summary>
    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        if (time != TimeProvider.System)
        {
            return new CancellationTokenSource(timeout, time);
        }

        CancellationTokenSource source;
        if (t_idleCount > 0)
        {
            var idle = t_idle!;
            source = idle[--t_idleCount]!;
            idle[t_idleCount] = null;
        }
        else
        {
            source = Pool.Get();
        }

        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>
    /// Takes a source back once its operation is over. A reset also drops registrations still on it (an HTTP/2
    /// stream may hold one after its headers), so a later request's timeout can never reach this request.
    /// </summary>
    public void Return(CancellationTokenSource source)
    {
        if (time != TimeProvider.System || !source.TryReset())
        {
            source.Dispose();
            return;
        }

        var idle = t_idle ??= new CancellationTokenSource?[PerThread];
        if (t_idleCount < PerThread)
        {
            idle[t_idleCount++] = source;
        }
        else
        {
            Pool.Return(source);
        }
    }

    /// <summary>Cancels the timeout's source when the caller's token is cancelled (the client went away).</summary>
    public static CancellationTokenRegistration Link(CancellationToken caller, CancellationTokenSource source) =>
        caller.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source);
}
