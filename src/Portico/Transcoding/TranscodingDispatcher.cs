using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Portico.Aggregation;
using Portico.Dispatch;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Problems;
using Portico.Resilience;
using Portico.Resilience.Timeouts;

namespace Portico.Transcoding;

/// <summary>
/// Answers a transcoding route (docs/protocols.md#transcoding): finds the method bound to the request, builds its
/// request message from the body, query and path, calls the service over HTTP/2 through the route's resilience
/// pipeline, and answers with the response message as JSON (a unary method) or each message as it arrives (a
/// server-streaming method, as NDJSON or server-sent events, never buffered). A gRPC error status becomes its HTTP
/// status and a problem answer.
/// </summary>
internal sealed class TranscodingDispatcher(TranscodingRoute route, TranscodingRuntime runtime) : IRouteDispatcher
{
    private static readonly System.Net.Http.Headers.MediaTypeHeaderValue GrpcContentType = new("application/grpc");
    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 64 };
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private static readonly byte[] EventStart = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] ErrorEventStart = "event: error\ndata: "u8.ToArray();

    [ThreadStatic]
    private static Utf8JsonWriter? t_jsonWriter;

    public TranscodingRoute Route => route;

    /// <remarks>
    /// Not an asynchronous method itself: matching and encoding a call without a body complete at once, and the call
    /// is then the only state machine (one per call less, issue 18's allocation figure).
    /// </remarks>
    public Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var path = context.Route!.Rewriter.Rewrite(context);
        var binding = route.Match(http.Request.Method, path.Span, out var values);
        if (binding is null)
        {
            return RefuseAsync(context, TranscodingProblems.NoMethod, null, "no binding matches");
        }

        context.BackendId = route.Backend.Id;
        var built = BuildFrameAsync(context, binding, values);
        if (!built.IsCompletedSuccessfully)
        {
            return CallWhenBuiltAsync(context, binding, built);
        }

        var (frame, length) = built.Result;
        return frame is null ? Task.CompletedTask : CallAsync(context, binding, frame, length); // null: answered
    }

    private async Task CallWhenBuiltAsync(GatewayContext context, TranscodingBinding binding, ValueTask<(byte[]? Frame, int Length)> built)
    {
        var (frame, length) = await built;
        if (frame is not null)
        {
            await CallAsync(context, binding, frame, length);
        }
    }

    /// <summary>
    /// The framed request message in a pooled buffer; null after answering the client's fault. A <see cref="ValueTask{TResult}"/>:
    /// a call without a body completes at once and then allocates nothing.
    /// </summary>
    private async ValueTask<(byte[]? Frame, int Length)> BuildFrameAsync(GatewayContext context, TranscodingBinding binding, string[] values)
    {
        var http = context.HttpContext;
        ClientBody? body = null;
        JsonDocument? json = null;
        try
        {
            if (binding.ReadsBody)
            {
                (body, var tooLarge) = await ClientBody.ReadAsync(http, context.Route!.MaxRequestBodySize);
                if (body is null)
                {
                    await RefuseAsync(context, tooLarge!, null, "body not read");
                    return (null, 0);
                }

                if (body.Length > 0 && !JsonText.JsonUnicode.IsValid(body.Memory.Span))
                {
                    await RefuseAsync(context, TranscodingProblems.InvalidRequest, "body: not JSON (" + JsonText.JsonUnicode.Problem + ")", "malformed JSON");
                    return (null, 0);
                }

                if (body.Length > 0)
                {
                    try
                    {
                        json = JsonDocument.Parse(body.Memory, BodyOptions);
                    }
                    catch (JsonException ex)
                    {
                        await RefuseAsync(context, TranscodingProblems.InvalidRequest, $"body: not JSON ({ex.Message})", "malformed JSON");
                        return (null, 0);
                    }
                }
            }

            // Encoded straight into a pooled buffer: the message is rarely larger than the JSON and parameters it comes
            // from, and a buffer that turns out too small is swapped for one twice its size. CodedOutputStream writes a
            // flat array from its start, so the message then moves up by the frame header's five bytes (a memmove).
            var size = GrpcFrames.HeaderSize + 64 + (2 * (body?.Length ?? 0)) + (3 * (http.Request.QueryString.Value?.Length ?? 0));
            foreach (var value in values)
            {
                size += 3 * value.Length;
            }

            while (true)
            {
                var frame = ArrayPool<byte>.Shared.Rent(size);
                var output = new CodedOutputStream(frame);
                string? problem;
                try
                {
                    // Without a query string the request's query collection (a feature created on first use) is not needed.
                    var query = http.Request.QueryString.HasValue ? http.Request.Query : QueryCollection.Empty;
                    problem = route.WriteRequest(binding, json?.RootElement, query, values, output);
                }
                catch (CodedOutputStream.OutOfSpaceException)
                {
                    problem = null;
                    output = null;
                }

                var length = (int?)output?.Position ?? int.MaxValue;
                if (problem is null && length > frame.Length - GrpcFrames.HeaderSize)
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    size = frame.Length * 2;
                    continue;
                }

                if (problem is not null)
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    await RefuseAsync(context, TranscodingProblems.InvalidRequest, problem, problem);
                    return (null, 0);
                }

                frame.AsSpan(0, length).CopyTo(frame.AsSpan(GrpcFrames.HeaderSize));
                GrpcFrames.WriteHeader(frame, length);
                return (frame, length + GrpcFrames.HeaderSize);
            }
        }
        finally
        {
            json?.Dispose();
            body?.Dispose();
        }
    }

    /// <summary>The call with its framed request message (a pooled buffer, given back here), answered to the client.</summary>
    private async Task CallAsync(GatewayContext context, TranscodingBinding binding, byte[] frame, int length)
    {
        // A unary call ends by the route's timeout (the deadline the service also sees); a stream lasts while messages
        // keep coming within the route's activity timeout. On the system clock the source is reused across calls (a
        // timer re-armed instead of a new source and timer per call, as the proxy's timeouts are); it goes back once
        // the call, its response and every registration on its token are disposed, and the reset drops any left over.
        var deadline = runtime.Deadlines.Rent(binding.Method.IsServerStreaming ? route.ActivityTimeout : route.Timeout);
        try
        {
            var http = context.HttpContext;
            var method = binding.Method;
            using var request = BuildCall(context, method, frame, length);
            using var clientGone = TimeoutSources.Link(http.RequestAborted, deadline);
            var started = Stopwatch.GetTimestamp();
            HttpResponseMessage response;
            try
            {
                response = await route.Invoker.SendAsync(request, deadline.Token);
            }
            catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested && ResilienceErrors.TryAnswer(http, ex, out var answer))
            {
                await answer; // a timeout, an open circuit or a full bulkhead of the route's resilience pipeline
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                await FailAsync(context, method, ex, deadline.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested);
                return;
            }

            using (response)
            {
                context.UpstreamDuration = Stopwatch.GetElapsedTime(started);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    TranscodingLog.CallFailed(runtime.Logger, route.Id, route.Backend.Id, $"the service answered HTTP {(int)response.StatusCode}, not a gRPC response", null);
                    await ProblemResponse.WriteAsync(http, GatewayProblems.BadGateway);
                    return;
                }

                if (GrpcStatus.Read(response.Headers) is { } trailersOnly)
                {
                    await AnswerStatusAsync(context, method, trailersOnly, response);
                    return;
                }

                try
                {
                    var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
                    if (method.IsServerStreaming)
                    {
                        await StreamAsync(context, binding, response, stream, deadline);
                    }
                    else
                    {
                        await AnswerUnaryAsync(context, binding, response, stream, deadline.Token);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    await FailAsync(context, method, ex, deadline.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested);
                }
            }
        }
        finally
        {
            runtime.Deadlines.Return(deadline);
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private HttpRequestMessage BuildCall(GatewayContext context, TranscodedMethod method, byte[] frame, int length)
    {
        var http = context.HttpContext;
        var request = new HttpRequestMessage(HttpMethod.Post, route.CallUri(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact, // gRPC needs HTTP/2: h2c for http, ALPN for https
            Content = new ByteArrayContent(frame, 0, length),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (!method.IsServerStreaming)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", route.GrpcTimeout); // gRPC's deadline
        }

        foreach (var name in route.RequestHeaders)
        {
            if (http.Request.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        // Who the client is, as any proxied request tells its backend (GatewayHttpTransformer), from what the gateway verified.
        var client = context.Client;
        if (client.ForwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("x-forwarded-for", client.ForwardedFor);
        }

        request.Headers.TryAddWithoutValidation("x-forwarded-proto", client.Proto);
        request.Headers.TryAddWithoutValidation("x-forwarded-host", client.Host);
        var incoming = http.Request.Headers;
        if (incoming.TraceParent.Count > 0)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.TraceParent, incoming.TraceParent.ToString());
            if (incoming.TraceState.Count > 0)
            {
                request.Headers.TryAddWithoutValidation(HeaderNames.TraceState, incoming.TraceState.ToString());
            }
        }

        runtime.Identity.Apply(context, request, route.Backend.Id);
        return request;
    }

    private async Task AnswerUnaryAsync(GatewayContext context, TranscodingBinding binding, HttpResponseMessage response, Stream stream, CancellationToken token)
    {
        var (message, length, error) = await GrpcFrames.ReadAsync(stream, token);
        try
        {
            if (error is null && message is not null)
            {
                // A unary call has one message; the stream ends before the trailers are there to read.
                (var extra, _, error) = await GrpcFrames.ReadAsync(stream, token);
                GrpcFrames.Return(extra);
                error ??= extra is null ? null : "the service sent more than one message for a unary method";
            }

            if (error is not null)
            {
                await BadGatewayAsync(context, binding.Method, error);
                return;
            }

            var status = GrpcStatus.Read(response.TrailingHeaders);
            if (status is null || status.Code != 0)
            {
                await AnswerStatusAsync(context, binding.Method, status, response);
                return;
            }

            if (message is null)
            {
                await BadGatewayAsync(context, binding.Method, "the service answered OK without a message");
                return;
            }

            await WriteUnaryAsync(context, binding, response, message.AsMemory(0, length));
        }
        finally
        {
            GrpcFrames.Return(message);
        }
    }

    private async Task WriteUnaryAsync(GatewayContext context, TranscodingBinding binding, HttpResponseMessage response, ReadOnlyMemory<byte> message)
    {
        var http = context.HttpContext;
        using var json = new PooledBufferWriter(Math.Max(256, message.Length * 2));
        if (!TryWriteJson(binding, message, json, out var error))
        {
            await BadGatewayAsync(context, binding.Method, "its response message: " + error);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.WrittenCount;
        CopyResponseHeaders(http, response.Headers);
        CopyResponseHeaders(http, response.TrailingHeaders);
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await http.Response.Body.WriteAsync(json.WrittenMemory, http.RequestAborted);
        }
    }

    /// <summary>The response message (or its <c>response_body</c> field) as JSON, appended to <paramref name="json"/>.</summary>
    /// <remarks>
    /// The JSON writer is the thread's own, reset to <paramref name="json"/> for each message: this method never awaits,
    /// so no other call can use it meanwhile, and a call saves a new writer (issue 18's allocation figure).
    /// </remarks>
    private bool TryWriteJson(TranscodingBinding binding, ReadOnlyMemory<byte> message, IBufferWriter<byte> json, out string? error)
    {
        var writer = t_jsonWriter;
        if (writer is null)
        {
            writer = t_jsonWriter = new Utf8JsonWriter(json);
        }
        else
        {
            writer.Reset(json);
        }

        var written = binding.ResponseField is { } field
            ? route.Decoder.TryWriteField(field, message, writer, out error)
            : route.Decoder.TryWrite(binding.Method.Descriptor.OutputType, message, writer, out error);
        writer.Flush();
        return written;
    }

    private async Task StreamAsync(GatewayContext context, TranscodingBinding binding, HttpResponseMessage response, Stream stream, CancellationTokenSource idle)
    {
        var http = context.HttpContext;
        var sse = route.Streaming == StreamingFormat.ServerSentEvents;
        using var json = new PooledBufferWriter(1024);
        var started = false;
        while (true)
        {
            idle.CancelAfter(route.ActivityTimeout); // the silence before each message is bounded, not the stream
            var (message, length, error) = await GrpcFrames.ReadAsync(stream, idle.Token);
            if (error is not null)
            {
                await BrokenAsync(context, binding.Method, started, error);
                return;
            }

            if (message is null)
            {
                break;
            }

            json.Truncate(0);
            var written = TryWriteJson(binding, message.AsMemory(0, length), json, out error);
            GrpcFrames.Return(message);
            if (!written)
            {
                await BrokenAsync(context, binding.Method, started, "a response message: " + error);
                return;
            }

            if (!started)
            {
                Start(http, response, sse);
                started = true;
            }

            var body = http.Response.Body;
            await body.WriteAsync(sse ? EventStart : ReadOnlyMemory<byte>.Empty, http.RequestAborted);
            await body.WriteAsync(json.WrittenMemory, http.RequestAborted);
            await body.WriteAsync(sse ? EventEnd : NewLine, http.RequestAborted);
            await body.FlushAsync(http.RequestAborted); // each message goes out as it comes
        }

        var status = GrpcStatus.Read(response.TrailingHeaders);
        if (!started && (status is null || status.Code != 0))
        {
            await AnswerStatusAsync(context, binding.Method, status, response);
            return;
        }

        if (!started)
        {
            Start(http, response, sse); // a stream of no messages
        }

        if (status is null || status.Code != 0)
        {
            // The status line is out: the error is the stream's last line (NDJSON) or an 'error' event (SSE).
            LogStatus(binding.Method, status);
            var body = http.Response.Body;
            await body.WriteAsync(sse ? ErrorEventStart : ReadOnlyMemory<byte>.Empty, http.RequestAborted);
            await body.WriteAsync((status ?? new GrpcStatus(2, "no status", null)).ErrorJson(route.Decoder), http.RequestAborted);
            await body.WriteAsync(sse ? EventEnd : NewLine, http.RequestAborted);
        }

        if (http.Response.SupportsTrailers())
        {
            foreach (var name in route.ResponseHeaders)
            {
                if (response.TrailingHeaders.TryGetValues(name, out var trailer))
                {
                    http.Response.AppendTrailer(name, trailer.ToArray());
                }
            }
        }
    }

    private void Start(HttpContext http, HttpResponseMessage response, bool sse)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = sse ? "text/event-stream" : "application/x-ndjson";
        http.Response.Headers.CacheControl = "no-cache";
        CopyResponseHeaders(http, response.Headers);
        // The response is written as messages arrive: no buffering by the server or a response compressor.
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private void CopyResponseHeaders(HttpContext http, HttpHeaders headers)
    {
        foreach (var name in route.ResponseHeaders)
        {
            if (headers.TryGetValues(name, out var values))
            {
                http.Response.Headers.Append(name, values.ToArray());
            }
        }
    }

    private Task AnswerStatusAsync(GatewayContext context, TranscodedMethod method, GrpcStatus? status, HttpResponseMessage response)
    {
        if (status is null)
        {
            return BadGatewayAsync(context, method, "the service's response ended without a grpc-status");
        }

        LogStatus(method, status);
        CopyResponseHeaders(context.HttpContext, response.Headers);
        CopyResponseHeaders(context.HttpContext, response.TrailingHeaders);
        var detail = GrpcStatusMapping.IsForCaller(status.Code) ? status.Message : null;
        return ProblemResponse.WriteAsync(context.HttpContext, GrpcStatusMapping.ProblemFor(status.Code), detail, status.Extensions(route.Decoder));
    }

    private void LogStatus(TranscodedMethod method, GrpcStatus? status)
    {
        if (status is null || !GrpcStatusMapping.IsForCaller(status.Code))
        {
            // The service's own failure: its message stays in the log, out of the answer.
            TranscodingLog.ServiceFailed(runtime.Logger, method.Descriptor.FullName, route.Id, GrpcStatusMapping.Name(status?.Code ?? 2), status?.Message);
        }
    }

    private Task BrokenAsync(GatewayContext context, TranscodedMethod method, bool started, string reason)
    {
        if (!started)
        {
            return BadGatewayAsync(context, method, reason);
        }

        // The status line is out and cannot change: end the client's connection so it sees the stream broke.
        TranscodingLog.StreamBroken(runtime.Logger, method.Descriptor.FullName, route.Id, reason);
        context.Outcome = RequestOutcome.UpstreamAborted;
        context.HttpContext.Abort();
        return Task.CompletedTask;
    }

    private Task BadGatewayAsync(GatewayContext context, TranscodedMethod method, string reason)
    {
        TranscodingLog.CallFailed(runtime.Logger, route.Id, route.Backend.Id, $"{method.Descriptor.FullName}: {reason}", null);
        return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.BadGateway);
    }

    private Task FailAsync(GatewayContext context, TranscodedMethod method, Exception exception, bool timedOut)
    {
        var http = context.HttpContext;
        if (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer. 499 in logs and metrics, as for proxied requests.
            context.Outcome = RequestOutcome.ClientAborted;
            if (!http.Response.HasStarted)
            {
                http.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            }

            return Task.CompletedTask;
        }

        if (http.Response.HasStarted)
        {
            return BrokenAsync(context, method, started: true, timedOut ? "no message within the route's activity timeout" : exception.GetType().Name);
        }

        TranscodingLog.CallFailed(runtime.Logger, route.Id, route.Backend.Id, method.Descriptor.FullName + (timedOut ? ": no answer in time" : ": unreachable"), timedOut ? null : exception);
        return ProblemResponse.WriteAsync(http, timedOut ? GatewayProblems.GatewayTimeout : GatewayProblems.BadGateway);
    }

    private Task RefuseAsync(GatewayContext context, Problem problem, string? detail, string reason)
    {
        TranscodingLog.RequestRefused(runtime.Logger, route.Id, problem.Status, reason);
        return ProblemResponse.WriteAsync(context.HttpContext, problem, detail);
    }
}
