using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Functions.TestHost;

/// <summary>
/// The HTTP front end's request handling, in the host's order: its own <c>/admin</c> and <c>/runtime</c> space, then
/// the function routes; for a match, a new invocation id in <c>x-ms-invocation-id</c>, the request forwarded to the
/// worker's HTTP address with YARP's default transforms (X-Forwarded-For/Proto/Host set from this hop, Host replaced),
/// then the invocation request over gRPC. The client gets the worker's response; a failed invocation whose response
/// has not started gets a 500.
/// </summary>
internal sealed class HttpTriggerDispatcher : IDisposable
{
    /// <summary>The header the worker's ASP.NET Core integration matches requests to invocations with.</summary>
    public const string InvocationIdHeader = "x-ms-invocation-id";

    // The host gives a forwarded request 240 s without activity (the platform's front end cuts at 230 s).
    private static readonly ForwarderRequestConfig ForwardingConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };
    private static readonly PathString AdminRoot = new("/admin");
    private static readonly PathString RuntimeRoot = new("/runtime");

    private readonly IHttpForwarder _forwarder;
    private readonly HostLog _log;
    private readonly HttpMessageInvoker _invoker = new(new WorkerRetryHandler(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    }));

    private volatile WorkerChannel? _worker;
    private volatile Task? _starting;
    private int _waiting;

    public HttpTriggerDispatcher(IHttpForwarder forwarder, HostLog log)
    {
        _forwarder = forwarder;
        _log = log;
    }

    /// <summary>The worker requests go to; null while none is ready.</summary>
    public WorkerChannel? Worker
    {
        get => _worker;
        set => _worker = value;
    }

    /// <summary>
    /// A worker start in progress: requests that find no ready worker wait for it, as the host holds requests until it
    /// is running, instead of failing at once. Null when nothing is starting.
    /// </summary>
    public Task? Starting
    {
        get => _starting;
        set => _starting = value;
    }

    /// <summary>Requests waiting for a worker that is starting.</summary>
    public int WaitingForWorker => Volatile.Read(ref _waiting);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments(AdminRoot) || request.Path.StartsWithSegments(RuntimeRoot))
        {
            // The host's own API (keys, status, webhooks): never a function's. Not implemented here.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var worker = _worker;
        if (worker is null && _starting is { } starting)
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                await starting.WaitAsync(context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }

            worker = _worker;
        }

        if (worker is null || worker.StreamEnded.IsCompleted || worker.Routes is null || worker.HttpUri is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("Function host is not running.");
            return;
        }

        if (!worker.Routes.TryMatch(request.Path.Value ?? "/", request.Method, out var function, out var routeValues))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (function!.HttpTrigger!.AuthLevel != "anonymous")
        {
            // Function and admin keys are not implemented: only anonymous triggers can be called.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        // The host adds the header only when the request has none (TryAdd).
        request.Headers.TryAdd(InvocationIdHeader, invocationId);
        var invocation = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = TraceParent(request) },
        };
        // With the worker serving HTTP itself, the trigger's input is an empty RpcHttp: the request travels over HTTP.
        invocation.InputData.Add(new ParameterBinding { Name = function.HttpTrigger.Name, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (key, value) in routeValues)
        {
            if (value?.ToString() is { } text)
            {
                invocation.TriggerMetadata[key] = new TypedData { String = text };
            }
        }

        invocation.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())) };
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())) };

        var answer = worker.Expect(invocationId);
        var forwarding = _forwarder.SendAsync(context, worker.HttpUri.AbsoluteUri, _invoker, ForwardingConfig, HttpTransformer.Default).AsTask();
        worker.Send(new StreamingMessage { InvocationRequest = invocation });
        using var cancel = context.RequestAborted.Register(() => worker.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } }));

        string? failure = null;
        try
        {
            var response = await answer;
            if (response.Result?.Status != StatusResult.Types.Status.Success)
            {
                failure = $"the function failed: {response.Result?.Exception?.Message}";
            }
        }
        catch (InvalidOperationException ex)
        {
            failure = ex.Message;
        }

        var error = await forwarding;
        if (error != ForwarderError.None)
        {
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            failure ??= $"forwarding to the worker failed: {error} {exception?.Message}";
        }

        if (failure is not null)
        {
            _log.Write(LogLevel.Error, "Host", $"Executed '{function.Name}' (Failed, Id={invocationId}): {failure}");
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    public void Dispose() => _invoker.Dispose();

    private static string TraceParent(HttpRequest request) =>
        request.Headers.TryGetValue("traceparent", out var value) && value.Count == 1 && value[0] is { Length: 55 } traceParent
            ? traceParent
            : $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00";
}
