using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.Fallback;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;
using Portico.Dispatch;
using Portico.Proxy;

namespace Portico.Resilience;

/// <summary>
/// One proxy route's way to its backend, built once per snapshot and handed to YARP's forwarder in place of the
/// plain client. Retries happen here, below the forwarder, so the client's response has not started while an
/// attempt is judged: only the final answer reaches YARP. The pipeline, outermost first:
/// bulkhead (per backend) → fallback → total timeout → retry (within the backend's budget) → attempt timeout →
/// circuit (per backend) → the backend. The bulkhead and the circuit are consulted here rather than run as Polly
/// strategies: a free slot and a closed circuit cost no await and no asynchronous layer of their own (each layer
/// costs every request an allocation and a continuation); a refused request still gets the route's fallback.
/// </summary>
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
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
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
        _upstream = resilience.Client.Invoker;
        _retries = settings.MaxAttempts > 1;
        _hasFallback = settings.FallbackStatic is not null || fallbackBackend is not null || _staleSources.Length > 0;
        _pipeline = Build();
    }

    public RouteResilienceSettings Settings => _settings;

    public override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _resilience.Budget.Deposit();
        byte[]? body = null;
        if (request.Content is { } content
            && (_fallbackBackend is not null || (_retries && CanRetry(request.Method)))
            && content.Headers.ContentLength is long length
            && length <= _settings.MaxBufferedBody)
        {
            // Small bodies with a declared length are read once so every attempt can send them again. Larger ones,
            // and bodies streamed without a length, go through as they arrive and are never retried.
            body = await BufferAsync(content, length, cancellationToken).ConfigureAwait(false);
            request.Content = Replay(body, content.Headers);
        }

        // The route id rides on the pooled context's operation key: the backend's shared strategies tag events with it.
        var context = ResilienceContextPool.Shared.Get(_routeId, cancellationToken);
        var entered = false;
        try
        {
            context.Properties.Set(ResilienceKeys.Request, request);
            if (body is not null)
            {
                context.Properties.Set(ResilienceKeys.Body, body);
            }

            // The bulkhead is taken once per request, around all attempts: a free slot costs one compare-and-swap.
            entered = _resilience.Bulkhead.TryEnter() || await WaitForSlotAsync(cancellationToken).ConfigureAwait(false);

            Outcome<HttpResponseMessage> outcome;
            if (entered)
            {
                outcome = await _pipeline.ExecuteOutcomeAsync(
                    static (ctx, state) => state.Invoker.AttemptAsync(ctx, state),
                    context,
                    new AttemptState(this, request, cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                outcome = Outcome.FromException<HttpResponseMessage>(new RateLimiterRejectedException("The backend's bulkhead is full."));
                if (_hasFallback && ShouldFallBack(context, outcome))
                {
                    outcome = await FallBackAsync(context, outcome).ConfigureAwait(false);
                }
            }

            if (!_hasFallback)
            {
                NoteRefusal(outcome);
            }

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            if (entered)
            {
                _resilience.Bulkhead.Exit();
            }

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
        cancellationToken.ThrowIfCancellationRequested(); // the client left while waiting
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
            case RateLimiterRejectedException:
                _telemetry.Rejected(_routeId, _backend.Id, "bulkhead");
                ResilienceTelemetry.LogBulkheadFull(_telemetry.Logger, _backend.Id, _routeId);
                break;
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(ResilienceContext context, AttemptState state)
    {
        var breaker = _resilience.Breaker;
        var trial = false;
        if (breaker is not null && breaker.TryEnter(context.OperationKey, out trial) is { } refused)
        {
            return Outcome.FromException<HttpResponseMessage>(refused);
        }

        Outcome<HttpResponseMessage> outcome;
        try
        {
            HttpRequestMessage message;
            if (context.Properties.TryGetValue(ResilienceKeys.Sent, out _))
            {
                message = Copy(state.Request, state.Request.RequestUri!, context); // a message can be sent only once
            }
            else
            {
                context.Properties.Set(ResilienceKeys.Sent, ResilienceKeys.Marker);
                message = state.Request;
            }

            outcome = Outcome.FromResult(await _upstream.SendAsync(message, context.CancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException ex) when (!state.CallerToken.IsCancellationRequested)
        {
            outcome = Outcome.FromException<HttpResponseMessage>(new UpstreamTimeoutException(ex));
        }
        catch (Exception ex)
        {
            outcome = Outcome.FromException<HttpResponseMessage>(ex);
        }

        breaker?.Record(outcome, trial, context.OperationKey);
        return outcome;
    }

    private ResiliencePipeline<HttpResponseMessage> Build()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (_hasFallback)
        {
            builder.AddFallback(new FallbackStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => new ValueTask<bool>(ShouldFallBack(args.Context, args.Outcome)),
                FallbackAction = args => FallBackAsync(args.Context, args.Outcome),
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = _settings.Timeout,
            OnTimeout = args =>
            {
                _telemetry.TimedOut(_routeId, _backend.Id, "total", args.Timeout);
                return default;
            },
        });
        if (_retries)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _settings.Delay,
                MaxDelay = _settings.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome, args.AttemptNumber)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result is { } response ? RetryAfter(response) : null),
                OnRetry = args =>
                {
                    _telemetry.Retried(_routeId, _backend.Id, args.AttemptNumber + 1, Reason(args.Outcome), args.RetryDelay);
                    return default;
                },
            });
        }

        if (_settings.AttemptTimeout is { } attemptTimeout)
        {
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Timeout = attemptTimeout,
                OnTimeout = args =>
                {
                    _telemetry.TimedOut(_routeId, _backend.Id, "attempt", args.Timeout);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int attempt)
    {
        var retriable = outcome.Exception switch
        {
            null => outcome.Result is { } response
                    && _settings.RetryStatusCodes.Contains((int)response.StatusCode)
                    && !(RetryAfter(response) > _settings.MaxRetryAfter), // the backend asked for more patience than we have
            HttpRequestException or UpstreamTimeoutException or TimeoutRejectedException => true,
            _ => false, // an open circuit, a client that went away
        };
        if (!retriable || context.CancellationToken.IsCancellationRequested || attempt + 1 >= _settings.MaxAttempts)
        {
            return false;
        }

        var request = context.Properties.GetValue(ResilienceKeys.Request, null!);
        if (!CanRetry(request.Method) || !IsReplayable(request, context))
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

    private bool ShouldFallBack(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            return false; // nobody is waiting for an answer
        }

        return outcome.Exception switch
        {
            null => outcome.Result is { } response && _settings.FallbackStatusCodes.Contains((int)response.StatusCode),
            OperationCanceledException and not UpstreamTimeoutException => false,
            _ => true,
        };
    }

    private async ValueTask<Outcome<HttpResponseMessage>> FallBackAsync(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        NoteRefusal(outcome);
        var request = context.Properties.GetValue(ResilienceKeys.Request, null!);
        var reason = Reason(outcome);
        foreach (var source in _staleSources)
        {
            var stale = await source.GetStaleResponseAsync(
                new StaleResponseRequest(_routeId!, _backend.Id, request, outcome.Result is { } failed ? (int)failed.StatusCode : null, outcome.Exception),
                context.CancellationToken).ConfigureAwait(false);
            if (stale is not null)
            {
                return Replace(outcome, stale, "stale", reason);
            }
        }

        if (_settings.FallbackStatic is { } fixedResponse)
        {
            return Replace(outcome, StaticResponse(fixedResponse, request), "static", reason);
        }

        if (_fallbackBackend is { } fallback && IsReplayable(request, context))
        {
            var original = request.RequestUri!.OriginalString;
            var rest = original.StartsWith(_backend.DestinationPrefix, StringComparison.Ordinal) ? original[_backend.DestinationPrefix.Length..] : request.RequestUri.PathAndQuery;
            try
            {
                var response = await fallback.SendAsync(Copy(request, fallback.UriFor(rest), context), context.CancellationToken).ConfigureAwait(false);
                return Replace(outcome, response, "backend", reason);
            }
            catch (Exception) when (!context.CancellationToken.IsCancellationRequested)
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

    private static bool IsReplayable(HttpRequestMessage request, ResilienceContext context) =>
        request.Content is null || context.Properties.TryGetValue(ResilienceKeys.Body, out _);

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
        RateLimiterRejectedException => "bulkhead",
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

    private static HttpRequestMessage Copy(HttpRequestMessage request, Uri uri, ResilienceContext context)
    {
        var copy = new HttpRequestMessage(request.Method, uri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers.NonValidated)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (request.Content is not null && context.Properties.TryGetValue(ResilienceKeys.Body, out var body))
        {
            copy.Content = Replay(body, request.Content.Headers);
        }

        return copy;
    }

    private readonly record struct AttemptState(ResilientInvoker Invoker, HttpRequestMessage Request, CancellationToken CallerToken);

    /// <summary>The base class needs a handler; every call goes through <see cref="SendAsync"/> instead.</summary>
    private sealed class NoHandler : HttpMessageHandler
    {
        public static readonly NoHandler Instance = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("ResilientInvoker sends through its backend's client.");
    }
}
