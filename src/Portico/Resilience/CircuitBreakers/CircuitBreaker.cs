using Polly.CircuitBreaker;
using Polly;
using Portico.Proxy;
using Portico.Resilience.Timeouts;

namespace Portico.Resilience.CircuitBreakers;

/// <summary>
/// A backend's circuit breaker, consulted by every attempt of every route on the backend. Closed, it counts calls
/// and failures in a rolling window and opens when the failure ratio reaches its threshold over at least the
/// minimum throughput. Open, it refuses calls with <see cref="BrokenCircuitException"/> (carrying the time left)
/// until the break ends; then one call goes through as a trial (half-open) while others are refused: success closes
/// the circuit, failure opens it again. The state can also be set from outside (<see cref="AdoptOpen"/>,
/// <see cref="AdoptClose"/>) when another instance records a transition.
/// </summary>
/// <remarks>
/// Polly's own breaker takes a lock twice per call; on this 2-core machine that cost about 10% more CPU per proxied
/// request under load. Here a closed circuit costs a volatile read and one interlocked increment per call, and a
/// clock read per call answered well (the time of the last success, written at most every 20 ms, tells whether to
/// adopt another instance's open). State changes use compare-and-swap on one word holding both the state and the
/// break's end, so a transition decided on a state that has changed meanwhile (an in-flight call failing after
/// another instance's open was adopted, a trial ending after an adopted close) fails instead of overwriting the
/// newer state or its end. It is called around the attempt (<see cref="TryEnter"/>, then <see cref="Record"/>)
/// rather than run as a pipeline strategy, which would add an asynchronous layer to every attempt.
/// </remarks>
internal sealed class CircuitBreaker
{
    private const long Closed = 0;
    private const long Open = 1;
    private const long HalfOpen = 2;
    private const long StateBits = 3;

    /// <summary>Retry-After for a call refused while another call is the trial.</summary>
    private static readonly TimeSpan TrialRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How stale the time of the last success may be: it is written at most this often, not on every call.</summary>
    private static readonly long SuccessResolution = TimeSpan.FromMilliseconds(20).Ticks;

    private readonly BackendResilience _backend;
    private readonly TimeProvider _time;
    private readonly HealthWindow _window;
    private readonly double _failureRatio;
    private readonly int _minimumThroughput;
    private readonly TimeSpan _breakDuration;

    // The state in the two low bits; the rest, UTC ticks: the break's end while open or half-open, the time of the
    // close while closed (so a closed circuit that opened and closed again is a different word).
    private long _word;
    private long _lastSuccess; // UTC ticks of the last call the backend answered well (to SuccessResolution)
    private long _lastSuccessStamp; // the same moment on the clock's timestamp, which the window reads anyway

    public CircuitBreaker(BackendResilience backend, BackendResilienceSettings settings, TimeProvider time)
    {
        _backend = backend;
        _time = time;
        _window = new HealthWindow(settings.SamplingDuration, time);
        _failureRatio = settings.FailureRatio;
        _minimumThroughput = settings.MinimumThroughput;
        _breakDuration = settings.BreakDuration;
    }

    public CircuitState State => (Volatile.Read(ref _word) & StateBits) switch
    {
        Open => CircuitState.Open,
        HalfOpen => CircuitState.HalfOpen,
        _ => CircuitState.Closed,
    };

    /// <summary>When the break ends, while the circuit is open or half-open.</summary>
    public DateTimeOffset? OpenUntil => Volatile.Read(ref _word) is var word && (word & StateBits) == Closed
        ? null
        : new DateTimeOffset(Ticks(word), TimeSpan.Zero);

    /// <summary>
    /// Whether a call may go to the backend now: null when it may (<paramref name="trial"/> says whether it is the
    /// half-open trial, whose outcome decides the circuit), otherwise the refusal to answer with.
    /// </summary>
    public BrokenCircuitException? TryEnter(string? routeId, out bool trial)
    {
        trial = false;
        var word = Volatile.Read(ref _word);
        switch (word & StateBits)
        {
            case Closed:
                return null;
            case Open:
                var now = _time.GetUtcNow().UtcTicks;
                var until = Ticks(word);
                if (now < until)
                {
                    return Refusal(TimeSpan.FromTicks(until - now));
                }

                if (Interlocked.CompareExchange(ref _word, until | HalfOpen, word) == word)
                {
                    _backend.OnHalfOpened(routeId);
                    trial = true;
                    return null;
                }

                return Refusal(TrialRetryAfter);
            default:
                return Refusal(TrialRetryAfter);
        }
    }

    /// <summary>Counts the outcome of a call <see cref="TryEnter"/> let through, and opens or closes the circuit when it decides.</summary>
    public void Record(Outcome<HttpResponseMessage> outcome, bool trial, string? routeId)
    {
        // A client that went away, or whose request could not be read, says nothing about the backend.
        var inconclusive = outcome.Exception is (OperationCanceledException and not UpstreamTimeoutException) or ClientRequestException;
        var failed = !inconclusive && _backend.IsFailure(outcome);
        var stamp = _time.GetTimestamp(); // one clock read per call, for the window and the time of the last success
        if (!inconclusive && !failed)
        {
            NoteSuccess(stamp);
        }

        if (trial)
        {
            var word = Volatile.Read(ref _word);
            if ((word & StateBits) != HalfOpen)
            {
                return; // another instance's close was adopted meanwhile: it decided
            }

            if (inconclusive)
            {
                // The caller went away (or failed) during the trial: no verdict; the next call is the trial.
                Interlocked.CompareExchange(ref _word, Ticks(_time.GetUtcNow().UtcTicks) | Open, word);
            }
            else if (failed)
            {
                OpenFrom(word, routeId, "trial failed");
            }
            else if (Interlocked.CompareExchange(ref _word, Ticks(_time.GetUtcNow().UtcTicks) | Closed, word) == word)
            {
                _window.Reset();
                _backend.OnClosed(routeId);
            }
        }
        else if (!inconclusive)
        {
            _window.Record(failed, stamp);
            if (failed)
            {
                OpenIfRatioReached(routeId);
            }
        }
    }

    /// <summary>
    /// Counts a call whose outcome was recorded as a success, but whose response body the backend then broke
    /// (a reset mid-body, issue 23), as a failure of the closed circuit; opens it when that reaches the threshold.
    /// </summary>
    public void RecordBrokenResponse(string? routeId)
    {
        if ((Volatile.Read(ref _word) & StateBits) != Closed)
        {
            return; // open or half-open: the verdict is already being decided by trials
        }

        _window.RecordLateFailure();
        OpenIfRatioReached(routeId);
    }

    /// <summary>
    /// Opens a closed circuit until <paramref name="until"/>, the break another instance decided at
    /// <paramref name="decidedAt"/>: only when this instance has no evidence of its own against it, that is no call
    /// answered well since then (issue 23: against a flaky backend, adopting every other instance's open cut each
    /// instance off as often as all of them together tripped). An open or half-open circuit keeps its own break.
    /// </summary>
    public bool AdoptOpen(DateTimeOffset until, DateTimeOffset decidedAt)
    {
        var word = Volatile.Read(ref _word);
        return (word & StateBits) == Closed
            && Volatile.Read(ref _lastSuccess) <= decidedAt.UtcTicks
            && Interlocked.CompareExchange(ref _word, Ticks(until.UtcTicks) | Open, word) == word;
    }

    /// <summary>Closes the circuit (another instance's trial succeeded); false when it was closed already.</summary>
    public bool AdoptClose()
    {
        var word = Volatile.Read(ref _word);
        if ((word & StateBits) == Closed || Interlocked.CompareExchange(ref _word, Ticks(_time.GetUtcNow().UtcTicks) | Closed, word) != word)
        {
            return false;
        }

        _window.Reset();
        return true;
    }

    /// <summary>
    /// Notes a call answered well. The wall clock is read only when the time recorded is more than
    /// <see cref="SuccessResolution"/> old (measured on the timestamp the caller read): every call answered well passes
    /// here, and a clock read costs about 35 ns on a virtual machine (docs/performance.md, twelfth round).
    /// </summary>
    private void NoteSuccess(long stamp)
    {
        if (_time.GetElapsedTime(Volatile.Read(ref _lastSuccessStamp), stamp).Ticks > SuccessResolution)
        {
            // A success recorded up to SuccessResolution early only makes an adoption slightly more likely.
            Volatile.Write(ref _lastSuccessStamp, stamp);
            Volatile.Write(ref _lastSuccess, _time.GetUtcNow().UtcTicks);
        }
    }

    private void OpenIfRatioReached(string? routeId)
    {
        var word = Volatile.Read(ref _word);
        if ((word & StateBits) != Closed)
        {
            return;
        }

        var (calls, failures) = _window.Totals();
        if (calls >= _minimumThroughput && failures >= _failureRatio * calls)
        {
            OpenFrom(word, routeId, "failure ratio reached");
        }
    }

    /// <summary>Opens the circuit for a break, if it is still in the state <paramref name="from"/> was read in.</summary>
    private void OpenFrom(long from, string? routeId, string reason)
    {
        var now = _time.GetUtcNow();
        var until = new DateTimeOffset(Ticks((now + _breakDuration).UtcTicks), TimeSpan.Zero);
        if (Interlocked.CompareExchange(ref _word, until.UtcTicks | Open, from) == from)
        {
            _backend.OnOpened(routeId, now, until, reason, afterTrial: (from & StateBits) == HalfOpen);
        }
    }

    /// <summary>The time in a state word (or UTC ticks rounded down to fit beside the state: 300 ns at most).</summary>
    private static long Ticks(long word) => word & ~StateBits;

    private static BrokenCircuitException Refusal(TimeSpan retryAfter) => new("The circuit is open.", retryAfter);
}
