using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Functions.TestHost;

/// <summary>
/// A stand-in for the Azure Functions host, for tests and benchmarks: a gRPC server for the language-worker protocol
/// and an HTTP front end on loopback, and the real worker process of the app it is given. It is not the Functions host:
/// README.md lists what it does as the host does and what it leaves out.
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    /// <summary>How long the host gives a worker to exit after <c>WorkerTerminate</c> before it kills it.</summary>
    public static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);

    private readonly FunctionsTestHostOptions _options;
    private readonly WebApplication _grpc;
    private readonly WebApplication _http;
    private readonly HttpTriggerDispatcher _dispatcher;
    private readonly FunctionRpcService.Workers _workers;
    private readonly WorkerConfig _workerConfig;
    private readonly string _routePrefix;
    private WorkerProcess? _process;
    private bool _stopped;

    private FunctionsTestHost(FunctionsTestHostOptions options, HostLog log, WebApplication grpc, WebApplication http, HttpTriggerDispatcher dispatcher, FunctionRpcService.Workers workers, WorkerConfig workerConfig, string routePrefix)
    {
        _options = options;
        Log = log;
        _grpc = grpc;
        _http = http;
        _dispatcher = dispatcher;
        _workers = workers;
        _workerConfig = workerConfig;
        _routePrefix = routePrefix;
        GrpcUri = new Uri(Addresses(grpc).Single());
        Url = Addresses(http).First().TrimEnd('/');
    }

    /// <summary>The HTTP front end's base address (no trailing slash).</summary>
    public string Url { get; }

    /// <summary>The gRPC endpoint the worker connects to.</summary>
    public Uri GrpcUri { get; }

    /// <summary>The host's log: its own messages, the worker's console lines and the logs the worker sent over gRPC.</summary>
    public HostLog Log { get; }

    /// <summary>The running worker's process id, if there is one.</summary>
    public int? WorkerProcessId => _process?.Id;

    /// <summary>Completes with the exit code of the current worker process.</summary>
    public Task<int> WorkerExited => _process?.Exited ?? Task.FromResult(0);

    /// <summary>Requests the host is holding until the worker that is starting is ready.</summary>
    public int RequestsWaitingForWorker => _dispatcher.WaitingForWorker;

    /// <summary>The capabilities the current worker announced.</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities => _dispatcher.Worker?.Capabilities ?? new Dictionary<string, string>();

    /// <summary>Starts the host and its worker; throws with the host's log when the worker does not get ready.</summary>
    public static async Task<FunctionsTestHost> StartAsync(FunctionsTestHostOptions options, CancellationToken cancellationToken = default)
    {
        var host = await CreateAsync(options, cancellationToken);
        var result = await host.StartWorkerAsync(cancellationToken);
        if (!result.Ready)
        {
            var log = host.Log.ToString();
            await host.DisposeAsync();
            throw new InvalidOperationException($"The Functions worker did not start: {result.Failure}{Environment.NewLine}Host log:{Environment.NewLine}{log}");
        }

        return host;
    }

    /// <summary>Starts the host's servers without a worker (every request gets 503 until one is ready).</summary>
    public static async Task<FunctionsTestHost> CreateAsync(FunctionsTestHostOptions options, CancellationToken cancellationToken = default)
    {
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var workerConfig = WorkerConfig.Read(appDirectory);
        if (!workerConfig.WorkerIndexing)
        {
            throw new InvalidOperationException("The app does not use worker indexing (workerIndexing in worker.config.json); this host implements only that.");
        }

        var routePrefix = HostJson.RoutePrefix(appDirectory);
        var log = new HostLog(options.Log);
        var workers = new FunctionRpcService.Workers();

        var grpcBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        grpcBuilder.Logging.ClearProviders();
        grpcBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        grpcBuilder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = int.MaxValue;
            grpc.MaxSendMessageSize = int.MaxValue;
        });
        grpcBuilder.Services.AddSingleton(workers);
        grpcBuilder.Services.AddSingleton(log);
        var grpc = grpcBuilder.Build();
        grpc.MapGrpcService<FunctionRpcService>();

        var httpBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        httpBuilder.Logging.ClearProviders();
        httpBuilder.WebHost.UseUrls(options.Url);
        httpBuilder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The host's Kestrel accepts bodies up to 100 MB (104857600 bytes).
            kestrel.Limits.MaxRequestBodySize = 104_857_600;
        });
        // Requests in flight when the host stops get this long to finish.
        httpBuilder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        httpBuilder.Services.AddHttpForwarder();
        var http = httpBuilder.Build();
        var dispatcher = new HttpTriggerDispatcher(http.Services.GetRequiredService<IHttpForwarder>(), log);
        http.Run(dispatcher.HandleAsync);

        await grpc.StartAsync(cancellationToken);
        await http.StartAsync(cancellationToken);
        var host = new FunctionsTestHost(options, log, grpc, http, dispatcher, workers, workerConfig, routePrefix);
        log.Write(LogLevel.Information, "Host", $"Test host listening on {host.Url} (route prefix '{routePrefix}'), gRPC on {host.GrpcUri}");
        return host;
    }

    /// <summary>
    /// Runs a timer-triggered function once, as the host does when its schedule fires (the schedule itself is not
    /// kept: a test decides when the timer fires): an <c>InvocationRequest</c> whose trigger input is the host's
    /// <c>TimerInfo</c> JSON (<c>Schedule</c>, <c>ScheduleStatus</c> with last, next and last-updated times, <c>IsPastDue</c>).
    /// Returns the worker's answer: success, or the failure's message.
    /// </summary>
    public async Task<InvocationResult> InvokeTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var worker = _dispatcher.Worker ?? throw new InvalidOperationException("No worker is running.");
        var function = worker.Functions.FirstOrDefault(f => string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"The worker has no function '{functionName}'.");
        var binding = function.TimerTrigger ?? throw new InvalidOperationException($"Function '{functionName}' has no timer trigger.");
        var invocationId = Guid.NewGuid().ToString();
        var now = _options.Time.GetUtcNow();
        var timerInfo = System.Text.Json.JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = now.AddSeconds(-10), Next = now.AddSeconds(10), LastUpdated = now },
            IsPastDue = false,
        });
        var invocation = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00" },
        };
        invocation.InputData.Add(new ParameterBinding { Name = binding, Data = new TypedData { Json = timerInfo } });
        var answer = worker.Expect(invocationId);
        Log.Write(LogLevel.Information, "Host", $"Executing 'Functions.{function.Name}' (Reason='Timer fired at {now:O}', Id={invocationId})");
        worker.Send(new StreamingMessage { InvocationRequest = invocation });
        var response = await answer.WaitAsync(cancellationToken);
        var succeeded = response.Result?.Status == StatusResult.Types.Status.Success;
        Log.Write(succeeded ? LogLevel.Information : LogLevel.Error, "Host", $"Executed 'Functions.{function.Name}' ({(succeeded ? "Succeeded" : "Failed")}, Id={invocationId})");
        return new InvocationResult(succeeded, succeeded ? null : response.Result?.Exception?.Message ?? "the function failed");
    }

    /// <summary>
    /// Starts a worker process and waits until it has loaded its functions, exited, or run out of time. Any worker
    /// already running is stopped first. Requests go to the new worker once it is ready.
    /// </summary>
    public async Task<WorkerStartResult> StartWorkerAsync(CancellationToken cancellationToken = default)
    {
        await StopWorkerAsync();
        var starting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _dispatcher.Starting = starting.Task;
        try
        {
            return await StartNewWorkerAsync(cancellationToken);
        }
        finally
        {
            _dispatcher.Starting = null;
            starting.TrySetResult();
        }
    }

    private async Task<WorkerStartResult> StartNewWorkerAsync(CancellationToken cancellationToken)
    {
        var workerId = Guid.NewGuid().ToString();
        var appDirectory = Path.GetFullPath(_options.AppDirectory);
        var channel = new WorkerChannel(workerId, appDirectory, _routePrefix, Log);
        _workers[workerId] = channel;
        var process = WorkerProcess.Start(_workerConfig, appDirectory, GrpcUri, workerId, _options.AppSettings, Log);
        _process = process;
        _ = process.Exited.ContinueWith(_ => channel.Close("the worker process exited"), TaskScheduler.Default);

        var timeout = Task.Delay(_options.StartupTimeout, cancellationToken);
        var first = await Task.WhenAny(channel.Started, timeout);
        var result = first == channel.Started ? await channel.Started : WorkerStartResult.Failed($"The worker did not load its functions within {_options.StartupTimeout.TotalSeconds:0} s.");
        if (result.Ready)
        {
            _dispatcher.Worker = channel;
            return result;
        }

        if (process.Exited.IsCompleted || await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) == process.Exited)
        {
            result = WorkerStartResult.Failed(process.ExitReport ?? $"{result.Failure} (exit code {await process.Exited})");
        }

        Log.Write(LogLevel.Error, "Host", $"Failed to start a language worker for runtime: {_workerConfig.Language}. {result.Failure}");
        process.Kill();
        await process.Exited;
        _workers.TryRemove(workerId, out _);
        return result;
    }

    /// <summary>
    /// Stops the worker as the host does on shutdown: waits for invocations in flight, sends <c>WorkerTerminate</c> with
    /// a 5 s grace period, and kills the process if it is still there after it.
    /// </summary>
    public async Task StopWorkerAsync()
    {
        var process = _process;
        var channel = _dispatcher.Worker;
        _dispatcher.Worker = null;
        _process = null;
        if (process is null)
        {
            return;
        }

        if (channel is not null)
        {
            var drain = Stopwatch.StartNew();
            while (channel.PendingInvocations > 0 && drain.Elapsed < TimeSpan.FromSeconds(30) && !process.Exited.IsCompleted)
            {
                await Task.Delay(10);
            }

            channel.Terminate(TerminateGracePeriod);
        }

        await process.StopAsync(TerminateGracePeriod);
        if (channel is not null)
        {
            await Task.WhenAny(channel.StreamEnded, Task.Delay(TimeSpan.FromSeconds(5)));
            _workers.TryRemove(channel.WorkerId, out _);
        }

        process.Dispose();
    }

    /// <summary>
    /// For a worker just started: milliseconds from its process start to now (its functions loaded), then to the first
    /// 200 on <paramref name="path"/> (polled every 2 ms, at most 30 s), and its peak resident memory in KiB.
    /// </summary>
    internal async Task<(double? FirstAnswerMs, double ReadyMs, long PeakKb)> ColdStartSampleAsync(HttpClient client, string path)
    {
        var process = _process ?? throw new InvalidOperationException("No worker is running.");
        var readyMs = Stopwatch.GetElapsedTime(process.StartedAt).TotalMilliseconds;
        while (Stopwatch.GetElapsedTime(process.StartedAt) < TimeSpan.FromSeconds(30))
        {
            using var response = await client.GetAsync(Url + path);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                var firstAnswerMs = Stopwatch.GetElapsedTime(process.StartedAt).TotalMilliseconds;
                return (firstAnswerMs, readyMs, process.PeakWorkingSetKb());
            }

            await Task.Delay(2);
        }

        return (null, readyMs, 0);
    }

    /// <summary>Kills the worker process at once, as a crash would end it.</summary>
    public void KillWorker() => _process?.Kill();

    /// <summary>
    /// Shuts down in the host's order: the HTTP front end stops taking requests and lets those in flight finish, the
    /// worker is stopped (see <see cref="StopWorkerAsync"/>), then the gRPC server.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _http.StopAsync();
        await StopWorkerAsync();
        await _grpc.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _http.DisposeAsync();
        await _grpc.DisposeAsync();
        _dispatcher.Dispose();
    }

    private static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
