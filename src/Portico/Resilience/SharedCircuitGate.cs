using Polly;
using Polly.CircuitBreaker;

namespace Portico.Resilience;

/// <summary>
/// Sits in front of Polly's breaker and applies the open state another instance recorded: until its end every
/// attempt is refused with <see cref="BrokenCircuitException"/> (carrying the time left); after it, one trial goes
/// through here, as Polly's half-open state would. A failed trial opens the circuit again (and tells the others), a
/// good one closes it. Half-open trials stay local: only open-until times and closes are shared. When nothing was
/// adopted the cost is one volatile read and no await.
/// </summary>
internal sealed class SharedCircuitGate(BackendResilience backend, TimeProvider time) : ResilienceStrategy<HttpResponseMessage>
{
    /// <summary>Retry-After for a request refused while another request is the trial.</summary>
    private static readonly TimeSpan TrialRetryAfter = TimeSpan.FromSeconds(1);

    protected override ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var until = Volatile.Read(ref backend.SharedOpenUntilTicks);
        return until == 0 ? callback(context, state) : ThroughAdoptedOpenAsync(callback, context, state, until);
    }

    private async ValueTask<Outcome<HttpResponseMessage>> ThroughAdoptedOpenAsync<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state, long until)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (now < until)
        {
            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException("The circuit is open (shared).", TimeSpan.FromTicks(until - now)));
        }

        if (Interlocked.CompareExchange(ref backend.TrialInFlight, 1, 0) != 0)
        {
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
                backend.ReopenShared(context.OperationKey);
            }
            else
            {
                backend.CloseShared(context.OperationKey);
            }

            return outcome;
        }
        finally
        {
            Volatile.Write(ref backend.TrialInFlight, 0);
        }
    }
}
