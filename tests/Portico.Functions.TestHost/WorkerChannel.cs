using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Microsoft.Extensions.Logging;

namespace Portico.Functions.TestHost;

/// <summary>
/// The host's side of one worker's <c>EventStream</c>: after the worker's <c>StartStream</c>, the init request and
/// its capabilities, the metadata request (worker indexing), one load request per function, then invocations until
/// <c>WorkerTerminate</c>. Messages to the worker go through one writer loop (a gRPC stream takes one write at a time).
/// </summary>
internal sealed class WorkerChannel
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<WorkerStartResult> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _appDirectory;
    private readonly string _routePrefix;
    private readonly HostLog _log;
    private Dictionary<string, FunctionDescription> _pendingLoads = [];
    private List<FunctionDescription> _functions = [];

    public WorkerChannel(string workerId, string appDirectory, string routePrefix, HostLog log)
    {
        WorkerId = workerId;
        _appDirectory = appDirectory;
        _routePrefix = routePrefix;
        _log = log;
    }

    public string WorkerId { get; }

    /// <summary>Completes when the worker is ready for invocations, or cannot get there.</summary>
    public Task<WorkerStartResult> Started => _started.Task;

    /// <summary>Completes when the worker's stream has ended.</summary>
    public Task StreamEnded => _streamEnded.Task;

    /// <summary>The worker's capabilities from its init response.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>Where the worker's ASP.NET Core server listens (its <c>HttpUri</c> capability).</summary>
    public Uri? HttpUri { get; private set; }

    /// <summary>The HTTP routes of the loaded functions.</summary>
    public HttpRouteTable? Routes { get; private set; }

    /// <summary>The functions the worker indexed (empty until it has).</summary>
    public IReadOnlyList<FunctionDescription> Functions => _functions;

    /// <summary>Invocations sent and not yet answered.</summary>
    public int PendingInvocations => _invocations.Count;

    /// <summary>Runs the stream until the worker closes it or <paramref name="cancellationToken"/> ends it.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        var writer = WriteLoopAsync(responses, cancellationToken);
        var init = new WorkerInitRequest
        {
            HostVersion = "4.0.0-portico-test-host",
            WorkerDirectory = _appDirectory,
            FunctionAppDirectory = _appDirectory,
        };
        Send(new StreamingMessage { WorkerInitRequest = init });
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away or the host is stopping.
        }
        finally
        {
            _outbound.Writer.TryComplete();
            Close("the worker's stream ended");
            await writer;
            _streamEnded.TrySetResult();
        }
    }

    /// <summary>Registers an invocation before its request is sent, so the answer cannot arrive first.</summary>
    public Task<InvocationResponse> Expect(string invocationId)
    {
        var answer = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[invocationId] = answer;
        if (_streamEnded.Task.IsCompleted)
        {
            Close("the worker's stream ended");
        }

        return answer.Task;
    }

    public void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message) && message.InvocationRequest is { } request
            && _invocations.TryRemove(request.InvocationId, out var pending))
        {
            pending.TrySetException(new InvalidOperationException("The worker's stream has ended."));
        }
    }

    /// <summary>Fails what can no longer complete: a start in progress and every pending invocation.</summary>
    public void Close(string reason)
    {
        _started.TrySetResult(WorkerStartResult.Failed(reason));
        foreach (var id in _invocations.Keys)
        {
            if (_invocations.TryRemove(id, out var pending))
            {
                pending.TrySetException(new InvalidOperationException($"Invocation {id} failed: {reason}."));
            }
        }
    }

    private async Task WriteLoopAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or Grpc.Core.RpcException)
        {
            // The stream closed under the writer; the reader side reports it.
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                OnInit(message.WorkerInitResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                OnMetadata(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                OnLoaded(message.FunctionLoadResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponseCollection:
                foreach (var response in message.FunctionLoadResponseCollection.FunctionLoadResponses)
                {
                    OnLoaded(response);
                }

                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (_invocations.TryRemove(message.InvocationResponse.InvocationId, out var pending))
                {
                    pending.TrySetResult(message.InvocationResponse);
                }

                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                OnLog(message.RpcLog);
                break;
            default:
                _log.Write(LogLevel.Debug, "Host", $"Ignored a {message.ContentCase} message from worker {WorkerId}");
                break;
        }
    }

    private void OnInit(WorkerInitResponse response)
    {
        if (response.Result?.Status == StatusResult.Types.Status.Failure)
        {
            Fail("Worker initialization failed", response.Result);
            return;
        }

        Capabilities = response.Capabilities.ToDictionary(StringComparer.Ordinal);
        if (!response.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var uri))
        {
            // This host forwards HTTP requests to the worker's own server only (the ASP.NET Core integration).
            _started.TrySetResult(WorkerStartResult.Failed("The worker did not announce an HttpUri capability: only workers with the ASP.NET Core integration are supported."));
            return;
        }

        HttpUri = uri;
        _log.Write(LogLevel.Information, "Host", $"Worker {WorkerId} initialized; HTTP requests go to {uri}");
        Send(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = _appDirectory } });
    }

    private void OnMetadata(FunctionMetadataResponse response)
    {
        if (response.Result?.Status == StatusResult.Types.Status.Failure)
        {
            Fail("Worker failed to index functions", response.Result);
            return;
        }

        if (response.UseDefaultMetadataIndexing)
        {
            _started.TrySetResult(WorkerStartResult.Failed("The worker asked for host indexing (function.json files), which this host does not implement."));
            return;
        }

        var functions = new List<FunctionDescription>();
        foreach (var metadata in response.FunctionMetadataResults)
        {
            if (metadata.Status is { Status: StatusResult.Types.Status.Failure } status)
            {
                _log.Write(LogLevel.Error, "Host", $"Worker failed to index function {metadata.Name}: {status.Exception?.Message}");
                continue;
            }

            try
            {
                functions.Add(FunctionDescription.Parse(metadata));
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or KeyNotFoundException)
            {
                _log.Write(LogLevel.Error, "Host", $"Function {metadata.Name} has invalid metadata: {ex.Message}");
            }
        }

        var errors = new List<string>();
        foreach (var duplicate in functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"The function name '{duplicate.Key}' must be unique within the function app.");
        }

        Routes = HttpRouteTable.Build(functions, _routePrefix, errors);
        foreach (var error in errors)
        {
            _log.Write(LogLevel.Error, "Host", error);
        }

        _functions = functions;
        _pendingLoads = functions.ToDictionary(f => f.FunctionId, StringComparer.Ordinal);
        if (_pendingLoads.Count == 0)
        {
            _started.TrySetResult(WorkerStartResult.Failed("The worker indexed no function."));
            return;
        }

        foreach (var function in functions)
        {
            Send(new StreamingMessage { FunctionLoadRequest = function.ToLoadRequest() });
        }
    }

    private void OnLoaded(FunctionLoadResponse response)
    {
        if (!_pendingLoads.Remove(response.FunctionId, out var function))
        {
            return;
        }

        if (response.Result?.Status == StatusResult.Types.Status.Failure)
        {
            _log.Write(LogLevel.Error, "Host", $"Worker failed to load function '{function.Name}': {response.Result.Exception?.Message}");
        }

        if (_pendingLoads.Count == 0)
        {
            var names = string.Join(", ", _functions.Select(f => f.HttpTrigger is { } t ? $"{f.Name} [{(t.Methods is null ? "all" : string.Join(',', t.Methods))}] {t.Route}" : f.Name));
            _log.Write(LogLevel.Information, "Host", $"Functions loaded: {names}");
            _started.TrySetResult(WorkerStartResult.Success);
        }
    }

    private void OnLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        var message = log.Exception is { } exception ? $"{log.Message}{Environment.NewLine}{exception.Type}: {exception.Message}" : log.Message;
        _log.Write(level, string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category, message);
    }

    private void Fail(string what, StatusResult result)
    {
        var reason = $"{what}: {result.Exception?.Message}";
        _log.Write(LogLevel.Error, "Host", reason);
        _started.TrySetResult(WorkerStartResult.Failed(reason));
    }

    /// <summary>Asks the worker to stop, giving it <paramref name="grace"/> (the host gives 5 s).</summary>
    public void Terminate(TimeSpan grace) =>
        Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(grace) } });
}
