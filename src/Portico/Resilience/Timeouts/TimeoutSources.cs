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

    // One idle source per thread in front of the shared pool: a request's timeout is usually given back on a thread
    // that soon rents one again, while the shared pool's compare-and-swap is on a word every core writes, which moves
    // between the cores on each rent and return (issue 25).
    [ThreadStatic]
    private static CancellationTokenSource? t_spare;

    /// <summary>A source that cancels after <paramref name="timeout"/>; give it back with <see cref="Return"/>.</summary>
    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        if (time != TimeProvider.System)
        {
            return new CancellationTokenSource(timeout, time);
        }

        var source = t_spare ?? Pool.Get();
        t_spare = null;

        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>
    /// Takes a source back once its operation is over. A reset also drops registrations still on it (an HTTP/2
    /// stream may hold one after its headers), so a later request's timeout can never reach this request.
    /// </summary>
    public void Return(CancellationTokenSource source)
    {
        if (time == TimeProvider.System && source.TryReset())
        {
            if (t_spare is null)
            {
                t_spare = source;
            }
            else
            {
                Pool.Return(source);
            }
        }
        else
        {
            source.Dispose();
        }
    }

    /// <summary>Cancels the timeout's source when the caller's token is cancelled (the client went away).</summary>
    public static CancellationTokenRegistration Link(CancellationToken caller, CancellationTokenSource source) =>
        caller.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source);
}
