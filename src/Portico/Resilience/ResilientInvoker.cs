// Longer than 500 lines on purpose: every step of the path to a backend (bulkhead, timeouts, circuit, retry, fallback)
// shares one request's state here, so that the common request runs in one asynchronous method (issue 25); the
// strategies themselves live in their own folders.
using System.Net.Http.Headers;
using System.Net;
using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Polly;
using Portico.Dispatch;
using Portico.Proxy;
using Portico.Resilience.Bulkheads;
using Portico.Resilience.Fallbacks;
using Portico.Resilience.Timeouts;

namespace Portico.Resilience;

/// <summary>
/// One proxy route's way to its backend, built once per snapshot and handed to YARP's forwarder in place of the
/// plain client. Retries happen here, below the forwarder, so the client's response has not started while an
/// attempt is judged: only the final answer reaches YARP. Outermost first: bulkhead (per backend) → fallback →
/// total timeout → retry (Polly, within the backend's budget) → attempt timeout → circuit (per backend) → the backend.
/// </summary>
/// <remarks>
/// Every request pays for what runs when nothing fails, so that path is kept short: the bulkhead and the circuit
/// are a compare-and-swap and a counter, the timeouts are reused cancellation sources, and the first attempt is
/// sent directly. Polly's retry strategy takes over only when that attempt's outcome may be retried; it is handed
/// that outcome as its own first attempt, so backoff, jitter, <c>Retry-After</c> and the attempt count are Polly's
/// as if it had run from the start. Run as a full Polly pipeline (timeout, retry and fallback strategies) instead,
/// every request paid about 1 KB and six asynchronous layers more, measured in bench/Pipeline.
/// </remarks>
internal sealed class ResilientInvoker : HttpMessageInvoker
{
    private readonly string? _routeId;
    private readonly CompiledBackend _backend;
    private readonly BackendResilience _resilience;
    private readonly RouteResilienceSettings _settings;
    private readonly CompiledBackend? _fallbackBackend;
    private readonly IStaleResponseSource[] _staleSources;
    private readonly ResilienceTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly HttpMessageInvoker _upstream;
    private readonly TimeoutSources _timeouts;
    private ResiliencePipeline<HttpResponseMessage>? _retry;
    private readonly bool _retries;
    private readonly bool _hasFallback;

    public ResilientInvoker(
        string? routeId,
        CompiledBackend backend,
        BackendResilience resilience,
        RouteResilienceSettings settings,
        CompiledBackend? fallbackBackend,
        IStaleResponseSource[] staleSources,
        ResilienceTelemetry telemetry,
        TimeProvider time)
        : base(NoHandler.Instance, disposeHandler: false)
    {
        _routeId = routeId;
        _backend = backend;
        _resilience = resilience;
        _settings = settings;
        _fallbackBackend = fallbackBackend;
        _staleSources = routeId is null ? [] : staleSources;
        _telemetry = telemetry;
        _time = time;
        _upstream = backend.Invoker; // through the destination choice when the backend has several
        _retries = settings.MaxAttempts > 1;
        _hasFallback = settings.FallbackStatic is not null || fallbackBackend is not null || _staleSources.Length > 0;
        _timeouts = new TimeoutSources(time);
    }

    public RouteResilienceSettings Settings => _settings;

    /// <summary>
    /// The backend broke a response after it had started well (its status was recorded as a success): the circuit
    /// breaker counts it as the backend failing (issue 23).
    /// </summary>
    public void RecordBrokenResponse() => _resilience.Breaker?.RecordBrokenResponse(_routeId);

    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _resilience.Budget.Deposit();

        // Most requests keep no body and find a free slot in the bulkhead (one compare-and-swap): they go straight to
        // SendEnteredAsync, whose state machine holds only what outlives the backend's answer. Reading a body to keep
        // and waiting in the bulkhead's queue are in SendQueuedAsync, so their awaits cost the common request nothing
        // (issue 25, allocation per request).
        if (!KeepsBody(request) && _resilience.Bulkhead.TryEnter())
        {
            return SendEnteredAsync(request, null, cancellationToken);
        }

        return SendQueuedAsync(request, cancellationToken);
    }

    /// <summary>
    /// Whether the request's body is read once so every attempt (or the fallback backend) can send it again: small
    /// bodies with a declared length only. Larger ones, and bodies streamed without a length, go through as they
    /// arrive and are never retried.
    /// </summary>
    private bool KeepsBody(HttpRequestMessage request) =>
        request.Content is { } content
        && (_fallbackBackend is not null || (_retries && CanRetry(request.Method)))
        && content.Headers.ContentLength is long length
        && length <= _settings.MaxBufferedBody;

    /// <summary>
    /// The way in for a request whose body is kept (<see cref="KeepsBody"/>) or that found no free slot in the
    /// bulkhead: the body is read first, then a slot taken or waited for in the bulkhead's queue; a request refused
    /// a slot gets the fallback, if the route has one.
    /// </summary>
    private async Task<HttpResponseMessage> SendQueuedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[]? body = null;
        bool entered;
        if (KeepsBody(request))
        {
            var content = request.Content!;
            body = await BufferAsync(content, content.Headers.ContentLength!.Value, cancellationToken).ConfigureAwait(false);
            request.Content = Replay(body, content.Headers);

            // The bulkhead is taken once per request, around all attempts: a free slot costs one compare-and-swap.
            entered = _resilience.Bulkhead.TryEnter() || await WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            entered = await WaitForSlotAsync(cancellationToken).ConfigureAwait(false); // SendAsync found no free slot
        }

        if (entered)
        {
            return await SendEnteredAsync(request, body, cancellationToken).ConfigureAwait(false);
        }

        var outcome = await SettleAsync(Outcome.FromException<HttpResponseMessage>(new BulkheadRejectedException()), request, body, cancellationToken).ConfigureAwait(false);
        outcome.ThrowIfException();
        return outcome.Result!;
    }

    /// <summary>
    /// A request holding a bulkhead slot, which goes back when it ends: the route's total timeout over every attempt
    /// and backoff, the first attempt sent directly, Polly's retry only when that attempt's outcome may be retried,
    /// then the fallback.
    /// </summary>
    private async Task<HttpResponseMessage> SendEnteredAsync(HttpRequestMessage request, byte[]? body, CancellationToken cancellationToken)
    {
        var timeout = _timeouts.Rent(_settings.Timeout);
        var link = TimeoutSources.Link(cancellationToken, timeout);
        try
        {
            // The first attempt runs here rather than in AttemptAsync: an asynchronous method of its own cost every
            // request a second state machine (about 230 bytes, issue 25). Later attempts go through AttemptAsync.
            Outcome<HttpResponseMessage> outcome;
            if (BeginAttempt(timeout.Token, out var scope, out var trial, out var attemptToken) is { } refused)
            {
                outcome = Outcome.FromException<HttpResponseMessage>(refused);
            }
            else
            {
                try
                {
                    outcome = Outcome.FromResult(await _upstream.SendAsync(request, attemptToken).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    outcome = Failed(ex, cancellationToken);
                }

                outcome = EndAttempt(ref scope, trial, timeout.Token, outcome);
            }

            // Retries and the fallback are awaited in FinishAsync, through a Task awaiter of the type the call above
            // already has: their ValueTask awaiter would otherwise be a field of every request's state machine
            // (issue 25, allocation per request). The order of the steps is the same either way.
            if (_retries && IsRetriable(outcome, timeout.Token, 0) && CanRepeat(request, body))
            {
                return await FinishAsync(outcome, retry: true, request, body, timeout, cancellationToken).ConfigureAwait(false);
            }

            outcome = TotalTimedOut(outcome, timeout, cancellationToken);
            if (NeedsFallback(outcome, cancellationToken))
            {
                return await FinishAsync(outcome, retry: false, request, body, timeout, cancellationToken).ConfigureAwait(false);
            }

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            link.Dispose(); // waits for a cancellation in progress, so the source is idle when it goes back
            _timeouts.Return(timeout);
            _resilience.Bulkhead.Exit();
        }
    }

    /// <summary>
    /// The end of a request whose first outcome calls for more: Polly's retry (then the total timeout's verdict and
    /// <see cref="SettleAsync"/>) when <paramref name="retry"/>, else the fallback, which the caller found due.
    /// </summary>
    private async Task<HttpResponseMessage> FinishAsync(
        Outcome<HttpResponseMessage> outcome, bool retry, HttpRequestMessage request, byte[]? body, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        if (retry)
        {
            outcome = await RetryAsync(new AttemptState(this, request, body, cancellationToken), outcome, timeout.Token).ConfigureAwait(false);
            outcome = TotalTimedOut(outcome, timeout, cancellationToken);
            outcome = await SettleAsync(outcome, request, body, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            outcome = await FallBackAsync(outcome, request, body, cancellationToken).ConfigureAwait(false);
        }

        outcome.ThrowIfException();
        return outcome.Result!;
    }

    /// <summary>An outcome cancelled by the route's total timeout (not by the caller) is that timeout's 504.</summary>
    private Outcome<HttpResponseMessage> TotalTimedOut(Outcome<HttpResponseMessage> outcome, CancellationTokenSource timeout, CancellationToken cancellationToken) =>
        outcome.Exception is OperationCanceledException cancelled && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            ? TimedOut("total", _settings.Timeout, cancelled)
            : outcome;

    /// <summary>
    /// The last step of every request: a refusal without a fallback is counted and logged; otherwise the fallback
    /// answers when the outcome calls for it. Completes at once when there is nothing to wait for.
    /// </summary>
    private ValueTask<Outcome<HttpResponseMessage>> SettleAsync(
        Outcome<HttpResponseMessage> outcome, HttpRequestMessage request, byte[]? body, CancellationToken cancellationToken) =>
        NeedsFallback(outcome, cancellationToken)
            ? FallBackAsync(outcome, request, body, cancellationToken)
            : new ValueTask<Outcome<HttpResponseMessage>>(outcome);

    /// <summary>
    /// Whether the fallback must answer <paramref name="outcome"/>; without a fallback, a refusal is counted and logged
    /// here instead. The decision of <see cref="SettleAsync"/>, which the common path in <c>SendEnteredAsync</c> makes
    /// without awaiting.
    /// </summary>
    private bool NeedsFallback(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (!_hasFallback)
        {
            NoteRefusal(outcome);
            return false;
        }

        return ShouldFallBack(outcome, cancellationToken);
    }

    /// <summary>Polly's retry strategy, handed the outcome of the attempt already made as its own first attempt.</summary>
    private async ValueTask<Outcome<HttpResponseMessage>> RetryAsync(AttemptState attempt, Outcome<HttpResponseMessage> first, CancellationToken routeToken)
    {
        // The route id rides on the pooled context's operation key, as every Polly event's tag.
        var context = ResilienceContextPool.Shared.Get(_routeId, routeToken);
        try
        {
            return await Retry.ExecuteOutcomeAsync(
                static (ctx, state) => state.NextAsync(ctx), context, new RetryState(attempt, first)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Waits in the bulkhead's queue, at most the route's timeout; false when the queue is full or the wait ran out.</summary>
    private async ValueTask<bool> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        if (_resilience.Bulkhead.QueueLimit == 0)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var entered = await _resilience.Bulkhead.EnterAsync(linked.Token).ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
        {
            // The client left while waiting; a slot taken in the same moment goes back, or it would be lost for good.
            if (entered)
            {
                _resilience.Bulkhead.Exit();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        return entered;
    }

    /// <summary>Counts and logs a request answered without calling the backend.</summary>
    private void NoteRefusal(Outcome<HttpResponseMessage> outcome)
    {
        switch (outcome.Exception)
        {
            case BrokenCircuitException:
                _telemetry.Rejected(_routeId, _backend.Id, "circuit-open");
                ResilienceTelemetry.LogCircuitRejected(_telemetry.Logger, _backend.Id, _routeId);
                break;
            case BulkheadRejectedException:
                _telemetry.Rejected(_routeId, _backend.Id, "bulkhead");
                ResilienceTelemetry.LogBulkheadFull(_telemetry.Logger, _backend.Id, _routeId);
                break;
        }
    }

    /// <summary>
    /// A later attempt (a retry): one call to the backend with a copy of the forwarder's message (a message can be sent
    /// only once), if its circuit lets it through, within the route's attempt timeout. The first attempt is made in
    /// <see cref="SendAsync"/> with the same steps.
    /// </summary>
    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(AttemptState state, CancellationToken token)
    {
        if (BeginAttempt(token, out var scope, out var trial, out var attemptToken) is { } refused)
        {
            return Outcome.FromException<HttpResponseMessage>(refused);
        }

        Outcome<HttpResponseMessage> outcome;
        try
        {
            var message = Copy(state.Request, state.Request.RequestUri!, state.Body);
            outcome = Outcome.FromResult(await _upstream.SendAsync(message, attemptToken).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            outcome = Failed(ex, state.CallerToken);
        }

        return EndAttempt(ref scope, trial, token, outcome);
    }

    /// <summary>
    /// Before an attempt: the circuit's verdict (the refusal, or null when the call may go) and the attempt's own
    /// timeout, linked to the route's; <paramref name="token"/> is the one the call is to use.
    /// </summary>
    private Exception? BeginAttempt(CancellationToken routeToken, out AttemptScope scope, out bool trial, out CancellationToken token)
    {
        scope = default;
        trial = false;
        token = routeToken;
        if (_resilience.Breaker is { } breaker && breaker.TryEnter(_routeId, out trial) is { } refused)
        {
            return refused;
        }

        if (_settings.AttemptTimeout is { } limit)
        {
            scope.Timeout = _timeouts.Rent(limit);
            scope.Link = TimeoutSources.Link(routeToken, scope.Timeout);
            token = scope.Timeout.Token;
        }

        return null;
    }

    /// <summary>
    /// What a failed call means. Reading the client's body failed (even when a timeout cancelled the wait for it): the
    /// client's fault, never the backend's, so neither the circuit, the retries nor the fallback treat it as a failure.
    /// A cancellation the client did not cause is a timeout.
    /// </summary>
    private static Outcome<HttpResponseMessage> Failed(Exception ex, CancellationToken callerToken) =>
        Outcome.FromException<HttpResponseMessage>(
            ClientRequestException.Find(ex)
            ?? (ex is OperationCanceledException cancelled && !callerToken.IsCancellationRequested ? new UpstreamTimeoutException(cancelled) : ex));

    /// <summary>After an attempt: the circuit records its outcome, and the attempt's timeout goes back (its expiry is a retriable 504).</summary>
    private Outcome<HttpResponseMessage> EndAttempt(ref AttemptScope scope, bool trial, CancellationToken routeToken, Outcome<HttpResponseMessage> outcome)
    {
        _resilience.Breaker?.Record(outcome, trial, _routeId);
        if (scope.Timeout is { } attemptTimeout)
        {
            scope.Link.Dispose();
            if (outcome.Exception is OperationCanceledException cancelled && attemptTimeout.IsCancellationRequested && !routeToken.IsCancellationRequested)
            {
                // This attempt's own limit, not the route's: retriable, and 504 if it was the last.
                outcome = TimedOut("attempt", _settings.AttemptTimeout!.Value, cancelled);
            }

            _timeouts.Return(attemptTimeout);
        }

        return outcome;
    }

    /// <summary>Counts and logs a timeout of the given kind ("total" or "attempt") and turns it into the answer for it (504).</summary>
    private Outcome<HttpResponseMessage> TimedOut(string kind, TimeSpan limit, OperationCanceledException cancelled)
    {
        _telemetry.TimedOut(_routeId, _backend.Id, kind, limit);
        return Outcome.FromException<HttpResponseMessage>(
            new TimeoutRejectedException($"The backend did not answer within the route's {kind} timeout.", limit, cancelled));
    }

    /// <summary>
    /// Polly's retry strategy, the only Polly strategy on the request path (see the remarks on the class), built when a
    /// request first needs it: building one validates its options through DataAnnotations, which loads and compiles
    /// about a dozen framework types that nothing else needs before the gateway's first answer (issue 25, start-up).
    /// The compiler's ranges (<see cref="ResilienceCompiler"/>) are inside Polly's, so that validation cannot fail for
    /// compiled settings. Two requests that get here together may each build one; both are the same, one is kept.
    /// </summary>
    private ResiliencePipeline<HttpResponseMessage> Retry => _retry ??= BuildRetry();

    private ResiliencePipeline<HttpResponseMessage> BuildRetry() =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _settings.Delay,
                MaxDelay = _settings.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context.CancellationToken, args.AttemptNumber)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result is { } response ? RetryAfter(response) : null),
                OnRetry = args =>
                {
                    _telemetry.Retried(_routeId, _backend.Id, args.AttemptNumber + 1, Reason(args.Outcome), args.RetryDelay);
                    return default;
                },
            })
            .Build();

    /// <summary>Whether the request may be sent again at all: its method allows it and its body, if any, was kept.</summary>
    private bool CanRepeat(HttpRequestMessage request, byte[]? body) => CanRetry(request.Method) && IsReplayable(request, body);

    /// <summary>Whether another attempt may follow this outcome, leaving the retry budget untouched.</summary>
    private bool IsRetriable(Outcome<HttpResponseMessage> outcome, CancellationToken routeToken, int attempt)
    {
        var retriable = outcome.Exception switch
        {
            null => outcome.Result is { } response
                    && _settings.RetryStatusCodes.Contains((int)response.StatusCode)
                    && !(RetryAfter(response) > _settings.MaxRetryAfter), // the backend asked for more patience than we have
            HttpRequestException or UpstreamTimeoutException or TimeoutRejectedException => true,
            _ => false, // an open circuit, a client that went away
        };
        return retriable && !routeToken.IsCancellationRequested && attempt + 1 < _settings.MaxAttempts;
    }

    /// <summary>Polly's question after each attempt (the request was found repeatable before Polly took over): retry what may be retried and what the budget pays for.</summary>
    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, CancellationToken routeToken, int attempt)
    {
        if (!IsRetriable(outcome, routeToken, attempt))
        {
            return false;
        }

        if (!_resilience.Budget.TryWithdraw())
        {
            _telemetry.RetryRefusedByBudget(_routeId, _backend.Id);
            return false;
        }

        return true;
    }

    private bool ShouldFallBack(Outcome<HttpResponseMessage> outcome, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return false; // nobody is waiting for an answer
        }

        return outcome.Exception switch
        {
            null => outcome.Result is { } response && _settings.FallbackStatusCodes.Contains((int)response.StatusCode),
            OperationCanceledException and not UpstreamTimeoutException => false,
            ClientRequestException => false, // the client's own request failed: another backend would fail it too
            _ => true,
        };
    }

    private async ValueTask<Outcome<HttpResponseMessage>> FallBackAsync(
        Outcome<HttpResponseMessage> outcome, HttpRequestMessage request, byte[]? body, CancellationToken callerToken)
    {
        NoteRefusal(outcome);
        var reason = Reason(outcome);
        foreach (var source in _staleSources)
        {
            var stale = await source.GetStaleResponseAsync(
                new StaleResponseRequest(_routeId!, _backend.Id, request, outcome.Result is { } failed ? (int)failed.StatusCode : null, outcome.Exception),
                callerToken).ConfigureAwait(false);
            if (stale is not null)
            {
                return Replace(outcome, stale, "stale", reason);
            }
        }

        if (_settings.FallbackStatic is { } fixedResponse)
        {
            return Replace(outcome, StaticResponse(fixedResponse, request), "static", reason);
        }

        if (_fallbackBackend is { } fallback && IsReplayable(request, body))
        {
            var rest = _backend.PathAndQueryOf(request) ?? request.RequestUri!.PathAndQuery;
            try
            {
                var response = await fallback.SendAsync(Copy(request, fallback.UriAsSent(rest), body), callerToken).ConfigureAwait(false);
                return Replace(outcome, response, "backend", reason);
            }
            catch (Exception) when (!callerToken.IsCancellationRequested)
            {
                // The fallback failed too (and logged why): the client hears about the route's own backend.
            }
        }

        return outcome;
    }

    private Outcome<HttpResponseMessage> Replace(Outcome<HttpResponseMessage> failed, HttpResponseMessage response, string kind, string reason)
    {
        failed.Result?.Dispose();
        _telemetry.FellBack(_routeId, _backend.Id, kind, reason);
        return Outcome.FromResult(response);
    }

    private static HttpResponseMessage StaticResponse(StaticResponseDispatcher definition, HttpRequestMessage request)
    {
        var response = new HttpResponseMessage((HttpStatusCode)definition.Status) { RequestMessage = request };
        if (definition.Body.Length > 0)
        {
            response.Content = new ReadOnlyMemoryContent(definition.Body);
            response.Content.Headers.TryAddWithoutValidation("Content-Type", definition.ContentType);
        }

        foreach (var (name, value) in definition.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        return response;
    }

    private bool CanRetry(HttpMethod method) => _settings.RetryNonIdempotent || IsIdempotent(method.Method);

    // RFC 9110 §9.2.2: repeating these has the same effect as sending them once.
    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method)
        || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool IsReplayable(HttpRequestMessage request, byte[]? body) => request.Content is null || body is not null;

    /// <summary>The wait a backend asked for with <c>Retry-After</c> (RFC 9110 §10.2.3), seconds or a date.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter.Date is { } date ? (date - _time.GetUtcNow()) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero : null;
    }

    private static string Reason(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { } response ? StatusText((int)response.StatusCode) : "no response",
        HttpRequestException => "connection",
        UpstreamTimeoutException or TimeoutRejectedException => "timeout",
        BrokenCircuitException => "circuit-open",
        BulkheadRejectedException => "bulkhead",
        _ => "error",
    };

    private static readonly string[] StatusTexts = [.. Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string StatusText(int status) => (uint)status < StatusTexts.Length ? StatusTexts[status] : "other";

    private static async Task<byte[]> BufferAsync(HttpContent content, long length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        using var stream = new MemoryStream(body, writable: true);
        await content.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        return body;
    }

    private static ByteArrayContent Replay(byte[] body, HttpContentHeaders headers)
    {
        var content = new ByteArrayContent(body);
        foreach (var header in headers.NonValidated)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return content;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, Uri uri, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, uri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value; // the destinations tried, for one
        }

        foreach (var header in request.Headers.NonValidated)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (request.Content is not null && body is not null)
        {
            copy.Content = Replay(body, request.Content.Headers);
        }

        return copy;
    }

    /// <summary>One request's attempts: the forwarder's message, its kept body (null when not buffered) and the client's token.</summary>
    private readonly record struct AttemptState(ResilientInvoker Invoker, HttpRequestMessage Request, byte[]? Body, CancellationToken CallerToken);

    /// <summary>
    /// One attempt's timeout, between <see cref="BeginAttempt"/> and <see cref="EndAttempt"/>: only what outlives the
    /// call, since it is kept in the caller's state machine (issue 25). The circuit trial travels beside it as a
    /// <c>bool</c> of its own, which the state machine packs beside its state instead of padding this struct by 8 bytes.
    /// </summary>
    private struct AttemptScope
    {
        public CancellationTokenSource? Timeout;
        public CancellationTokenRegistration Link;
    }

    /// <summary>What Polly's retry calls: first the outcome of the attempt already made, then new attempts.</summary>
    private sealed class RetryState(AttemptState attempt, Outcome<HttpResponseMessage> first)
    {
        private bool _firstTaken;

        public ValueTask<Outcome<HttpResponseMessage>> NextAsync(ResilienceContext context)
        {
            if (!_firstTaken)
            {
                _firstTaken = true;
                return new ValueTask<Outcome<HttpResponseMessage>>(first);
            }

            return attempt.Invoker.AttemptAsync(attempt, context.CancellationToken);
        }
    }
}
