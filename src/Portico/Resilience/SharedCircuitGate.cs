using Polly;
using Polly.CircuitBreaker;

namespace Portico.Resilience;

/// <summary>
/// Sits in front of Polly's breaker and applies the open state another instance recorded: until its end every
/// attempt is refused with <see cref="BrokenCircuitException"/> (carrying the time left); after it, one trial goes
/// through here, as Polly's half-open state would. A failed trial opens the circuit again (and tells the others), a
/// good one closes it. Half-open trials stay local: only open-until times and closes are shared. When nothing was
/// adopted the cost is one volatile read. It also counts the refusals of Polly's breaker, which raises no event for them.
/// </summary>
internal sealed class SharedCircuitGate(BackendResilience backend, TimeProvider time) : ResilienceStrategy<HttpResponseMessage>
{
    /// <summary>Retry-After for a request refused while another request is the trial.</summary>
    private static readonly TimeSpan TrialRetryAfter = TimeSpan.FromSeconds(1);

    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var until = Volatile.Read(ref backend.SharedOpenUntilTicks);
        if (until == 0)
        {
            var passed = await callback(context, state).ConfigureAwait(false);
            if (passed.Exception is BrokenCircuitException)
            {
                // Polly's own breaker refused the attempt; it has no rejection event of its own.
                backend.CountRejection(context.Properties.GetValue(ResilienceKeys.RouteId, null!));
            }

            return passed;
        }

        var routeId = context.Properties.GetValue(ResilienceKeys.RouteId, null!);
        var now = time.GetUtcNow().UtcTicks;
        if (now < until)
        {
            backend.CountRejection(routeId);
            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException("The circuit is open (shared).", TimeSpan.FromTicks(until - now)));
        }

        if (Interlocked.CompareExchange(ref backend.TrialInFlight, 1, 0) != 0)
        {
            backend.CountRejection(routeId);
            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException("The circuit is half-open and its trial is in flight.", TrialRetryAfter));
        }

        try
        {
            var outcome = await callback(context, state).ConfigureAwait(false);
            if (outcome.Exception is OperationCanceledException and not UpstreamTimeoutException)
            {
                return outcome; // the caller went away: no verdict on the backend
            }

            if (backend.IsFailure(outcome))
            {
                backend.ReopenShared(routeId);
            }
            else
            {
                backend.CloseShared(routeId);
            }

            return outcome;
        }
        finally
        {
            Volatile.Write(ref backend.TrialInFlight, 0);
        }
    }
}
