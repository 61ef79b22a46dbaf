using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Resilience.Bulkheads;
using Portico.Resilience.Timeouts;
using Portico.Resilience;

namespace Portico.Aggregation;

/// <summary>
/// One composite request in flight. Every part gets a task, started in topological order; a part first awaits the
/// parts it reads, then waits for a concurrency slot, then calls its backend through <c>CompiledBackend.SendAsync</c>
/// (so the backend's resilience pipeline applies). One deadline covers everything; a required part's failure stops
/// the rest at once, since the answer can only be an error.
/// </summary>
internal sealed class AggregateRun : IValueResolver, IDisposable
{
    private const int Running = 0;
    private const int StoppedByDeadline = 1;
    private const int StoppedByFailure = 2;
    private const int StoppedByClient = 3;

    private readonly AggregateDispatcher _plan;
    private readonly GatewayContext _context;
    private readonly InputValue[] _inputs;
    private readonly ClientBody? _body;
    private readonly PartState[] _states;
    private readonly Task[] _tasks;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim? _gate;
    private ITimer? _deadline;
    private CancellationTokenRegistration _clientGone;
    private int _stopReason;

    public AggregateRun(AggregateDispatcher plan, GatewayContext context, InputValue[] inputs, ClientBody? body)
    {
        _plan = plan;
        _context = context;
        _inputs = inputs;
        _body = body;
        _states = new PartState[plan.Parts.Length];
        _tasks = new Task[plan.Parts.Length];
        // Only a route with more parts than slots needs a gate; the DAG's own shape bounds the rest.
        _gate = plan.Parts.Length > plan.MaxConcurrency ? new SemaphoreSlim(plan.MaxConcurrency, plan.MaxConcurrency) : null;
    }

    /// <summary>Each part's result, by part index (declaration order).</summary>
    public PartState[] States => _states;

    /// <summary>Runs every part to an outcome; never throws for a backend's failure.</summary>
    public Task RunAsync()
    {
        _deadline = _plan.Runtime.TimeProvider.CreateTimer(static s => ((AggregateRun)s!).Stop(StoppedByDeadline), this, _plan.Timeout, Timeout.InfiniteTimeSpan);
        _clientGone = _context.HttpContext.RequestAborted.UnsafeRegister(static s => ((AggregateRun)s!).Stop(StoppedByClient), this);
        foreach (var index in _plan.Order)
        {
            _tasks[index] = RunPartAsync(_plan.Parts[index]);
        }

        return Task.WhenAll(_tasks);
    }

    /// <summary>Marks a part that failed while being merged (its data would cross the merged size limit).</summary>
    public void FailWhileMerging(AggregatePart part, string detail)
    {
        var state = _states[part.Index];
        _states[part.Index] = state with { Outcome = PartOutcome.TooLarge };
        AggregateLog.PartFailed(_plan.Runtime.Logger, _plan.RouteId, part.Name, part.Backend.Id, PartOutcome.TooLarge.Name(), detail, null);
    }

    public ValueStatus Resolve(ValueReference reference, out string? text, out JsonElement json)
    {
        text = null;
        json = default;
        if (reference.InputIndex >= 0)
        {
            var input = _inputs[reference.InputIndex];
            if (!input.Present)
            {
                return ValueStatus.Missing;
            }

            text = input.Text;
            json = input.Json;
            return ValueStatus.Found;
        }

        // The part's task awaited this dependency and saw it succeed before building its request.
        var state = _states[reference.PartIndex];
        return state.Outcome == PartOutcome.Ok && reference.Path!.TrySelect(state.Root, out json) ? ValueStatus.Found : ValueStatus.Missing;
    }

    public void Dispose()
    {
        _deadline?.Dispose();
        _clientGone.Dispose();
        _gate?.Dispose();
        _stop.Dispose();
        for (int i = 0; i < _states.Length; i++)
        {
            var state = _states[i];
            state.Document?.Dispose();
            if (state.Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(state.Buffer);
            }

            _states[i] = default;
        }
    }

    private void Stop(int reason)
    {
        // The reason is recorded before cancelling, so every part that sees the cancellation knows why.
        if (Interlocked.CompareExchange(ref _stopReason, reason, Running) != Running)
        {
            return;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The deadline timer fired as the request finished.
        }
    }

    private async Task RunPartAsync(AggregatePart part)
    {
        foreach (var dependency in part.Dependencies)
        {
            await _tasks[dependency];
            if (_states[dependency].Outcome != PartOutcome.Ok)
            {
                Finish(part, new PartState(PartOutcome.DependencyFailed, 0, null, null, default), TimeSpan.Zero, $"part '{_plan.Parts[dependency].Name}' failed", null);
                return;
            }
        }

        var started = Stopwatch.GetTimestamp();
        using var activity = PorticoTelemetry.ActivitySource.StartActivity(part.ActivityName, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("portico.route", _plan.RouteId);
            activity.SetTag("portico.part", part.Name);
            activity.SetTag("portico.backend", part.Backend.Id);
            activity.SetTag("http.request.method", part.Method.Method);
        }

        var (state, detail, exception) = await CallAsync(part);
        if (activity is not null)
        {
            activity.SetTag("portico.part.outcome", state.Outcome.Name());
            if (state.Status > 0)
            {
                activity.SetTag("http.response.status_code", PorticoMetrics.Box(state.Status));
            }

            if (state.Outcome != PartOutcome.Ok)
            {
                activity.SetStatus(ActivityStatusCode.Error, state.Outcome.Name());
            }
        }

        Finish(part, state, Stopwatch.GetElapsedTime(started), detail, exception);
    }

    private void Finish(AggregatePart part, PartState state, TimeSpan duration, string? detail, Exception? exception)
    {
        _states[part.Index] = state;
        var runtime = _plan.Runtime;
        runtime.Metrics.RecordPart(_plan.RouteId, part, state.Outcome, state.Status, duration);
        if (state.Outcome == PartOutcome.Ok)
        {
            return;
        }

        if (state.Outcome is PartOutcome.DependencyFailed or PartOutcome.Cancelled)
        {
            AggregateLog.PartSkipped(runtime.Logger, _plan.RouteId, part.Name, state.Outcome.Name());
        }
        else if (state.Outcome == PartOutcome.Refused)
        {
            AggregateLog.PartRefused(runtime.Logger, _plan.RouteId, part.Name, part.Backend.Id, detail ?? "");
        }
        else
        {
            AggregateLog.PartFailed(runtime.Logger, _plan.RouteId, part.Name, part.Backend.Id, state.Outcome.Name(), detail ?? "", exception);
        }

        if (!part.Optional)
        {
            Stop(StoppedByFailure);
        }
    }

    private async Task<(PartState State, string? Detail, Exception? Exception)> CallAsync(AggregatePart part)
    {
        var token = _stop.Token;
        CancellationTokenSource? own = null;
        CancellationTokenRegistration link = default;
        var gated = false;
        var status = 0;
        try
        {
            if (_gate is not null)
            {
                await _gate.WaitAsync(token);
                gated = true;
            }

            token.ThrowIfCancellationRequested();
            if (part.Timeout is { } timeout)
            {
                own = new CancellationTokenSource(timeout, _plan.Runtime.TimeProvider);
                link = token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), own);
                token = own.Token;
            }

            using var request = BuildRequest(part, out var failure);
            if (request is null)
            {
                return (new PartState(PartOutcome.MissingValue, 0, null, null, default), failure.Describe(), null);
            }

            using var response = await part.Backend.SendAsync(request, token);
            status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                return (new PartState(PartOutcome.HttpError, status, null, null, default), $"status {status}", null);
            }

            return await ReadAnswerAsync(part, response, status, token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutRejectedException || token.IsCancellationRequested || _stop.IsCancellationRequested)
        {
            // The part's own timeout, or the backend's resilience pipeline timing the call out (its total or attempt
            // timeout), is a timeout of this part; the route's deadline or the client leaving stop every part.
            var partTimedOut = own?.IsCancellationRequested == true;
            var outcome = _stop.IsCancellationRequested
                ? Volatile.Read(ref _stopReason) == StoppedByDeadline ? PartOutcome.Deadline : PartOutcome.Cancelled
                : partTimedOut || ex is UpstreamTimeoutException or TimeoutRejectedException ? PartOutcome.Timeout : PartOutcome.Unreachable;
            var detail = outcome switch
            {
                PartOutcome.Deadline => $"the route's deadline ({Configuration.Duration.Format(_plan.Timeout)}) passed",
                PartOutcome.Timeout when partTimedOut => $"no answer within {Configuration.Duration.Format(part.Timeout!.Value)}",
                PartOutcome.Timeout => "no answer within the backend's resilience timeout",
                _ => ex.GetType().Name,
            };
            return (new PartState(outcome, status, null, null, default), detail, outcome == PartOutcome.Unreachable ? ex : null);
        }
        catch (Exception ex)
        {
            // As YARP's forwarder does, any exception from the backend call is that call failing: connection refused
            // or reset, an invalid answer. The warning log entry carries the exception, so a bug would still show.
            // The backend's resilience refusing the call (open circuit, full bulkhead) is an expected outcome that
            // comes as often as requests do: named plainly, without a stack (issue 23).
            return ex switch
            {
                BrokenCircuitException => (new PartState(PartOutcome.Refused, status, null, null, default), "the backend's circuit is open", null),
                BulkheadRejectedException => (new PartState(PartOutcome.Refused, status, null, null, default), "the backend's bulkhead is full", null),
                _ => (new PartState(PartOutcome.Unreachable, status, null, null, default), ex.GetType().Name, ex),
            };
        }
        finally
        {
            link.Dispose();
            own?.Dispose();
            if (gated)
            {
                _gate!.Release();
            }
        }
    }

    private HttpRequestMessage? BuildRequest(AggregatePart part, out RenderFailure failure)
    {
        failure = default;
        var uri = part.LiteralUri;
        if (uri is null)
        {
            var pathAndQuery = part.Path.RenderUrl(this, out failure);
            if (pathAndQuery is null)
            {
                return null;
            }

            uri = part.Backend.UriFor(pathAndQuery);
        }

        // As YARP's forwarder does: HTTP/2 when the backend offers it over TLS, HTTP/1.1 otherwise.
        var request = new HttpRequestMessage(part.Method, uri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        if (part.ForwardBody && _body is not null)
        {
            request.Content = new ReadOnlyMemoryContent(_body.Memory);
            if (_body.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, contentType);
            }
        }
        else if (part.Body is { } template)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer, AggregateJson.BodyWriter))
            {
                if (!template.TryWrite(writer, this, out failure))
                {
                    request.Dispose();
                    return null;
                }
            }

            request.Content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        foreach (var (name, template, isContent) in part.Headers)
        {
            var value = template.RenderText(this, header: true, out failure);
            if (value is null)
            {
                request.Dispose();
                return null;
            }

            if (value.Length == 0)
            {
                continue; // every placeholder was optional and missing: no header rather than an empty one
            }

            if (isContent)
            {
                request.Content!.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (!part.SetsAccept)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Accept, "application/json");
        }

        // Each part is a call made on the client's behalf: the backend learns who the client is exactly as a
        // proxied request tells it (GatewayHttpTransformer), from what the gateway could verify.
        var client = _context.Client;
        if (client.ForwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ForwardedFor);
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Proto);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", client.Host);

        // W3C trace context: the handler's propagator replaces these with the part's span when one is recorded;
        // otherwise the caller's context still reaches the backend, as with proxied requests.
        var incoming = _context.HttpContext.Request.Headers;
        if (incoming.TraceParent.Count > 0)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.TraceParent, incoming.TraceParent.ToString());
            if (incoming.TraceState.Count > 0)
            {
                request.Headers.TryAddWithoutValidation(HeaderNames.TraceState, incoming.TraceState.ToString());
            }
        }

        // The verified caller, as on proxied requests; an identity token names the part's backend as its audience.
        _plan.Runtime.Identity.Apply(_context, request, part.Backend.Id);
        return request;
    }

    private static async Task<(PartState, string?, Exception?)> ReadAnswerAsync(AggregatePart part, HttpResponseMessage response, int status, CancellationToken token)
    {
        var content = response.Content;
        var length = content.Headers.ContentLength;
        if (status is 204 or 205 || length == 0)
        {
            return (new PartState(PartOutcome.Ok, status, null, null, PartState.EmptyAnswer), null, null);
        }

        if (content.Headers.ContentType?.MediaType is { } mediaType && !IsJson(mediaType))
        {
            return (new PartState(PartOutcome.Invalid, status, null, null, default), $"the answer is {mediaType}, not JSON", null);
        }

        if (IsEncoded(content.Headers.ContentEncoding))
        {
            return (new PartState(PartOutcome.Invalid, status, null, null, default), "the answer is content-encoded; Portico asked for none", null);
        }

        var max = part.MaxResponseSize;
        if (length > max)
        {
            return (new PartState(PartOutcome.TooLarge, status, null, null, default), $"Content-Length {length} is over the part's limit of {max} bytes", null);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(length ?? 16 * 1024, max + 1));
        var total = 0;
        var keep = false;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(token);
            while (true)
            {
                if (total == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(total), token);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > max)
                {
                    return (new PartState(PartOutcome.TooLarge, status, null, null, default), $"the answer is over the part's limit of {max} bytes", null);
                }
            }

            if (total == 0)
            {
                return (new PartState(PartOutcome.Ok, status, null, null, PartState.EmptyAnswer), null, null);
            }

            if (!JsonText.JsonUnicode.IsValid(buffer.AsSpan(0, total)))
            {
                return (new PartState(PartOutcome.Invalid, status, null, null, default), "the answer is not valid JSON: " + JsonText.JsonUnicode.Problem, null);
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsMemory(0, total));
            }
            catch (JsonException)
            {
                return (new PartState(PartOutcome.Invalid, status, null, null, default), "the answer is not valid JSON", null);
            }

            var data = document.RootElement;
            string? problem = null;
            if (part.Pointer is { } pointer && !pointer.TrySelect(document.RootElement, out data))
            {
                problem = $"the pointer '{pointer.Text}' selects nothing in the answer";
            }
            else if (part.MergeIntoRoot && data.ValueKind != JsonValueKind.Object)
            {
                problem = "the answer is not a JSON object, so it cannot be merged into the root";
            }

            if (problem is not null)
            {
                document.Dispose();
                return (new PartState(PartOutcome.Invalid, status, null, null, default), problem, null);
            }

            keep = true;
            return (new PartState(PartOutcome.Ok, status, document, buffer, data), null, null);
        }
        finally
        {
            if (!keep)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    // Parts send no Accept-Encoding, so a backend must answer in identity encoding (RFC 9110 §12.5.3).
    private static bool IsEncoded(ICollection<string> encodings)
    {
        foreach (var encoding in encodings)
        {
            if (!encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // RFC 8259 §11 (application/json) and RFC 6839 §3.1 (the +json structured syntax suffix).
    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
