using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Portico.Functions.TestHost;

/// <summary>
/// The worker process, started as the host starts a language worker: the command line from <c>worker.config.json</c>
/// followed by the connection arguments (both the old names and the <c>functions-</c> prefixed ones), the app folder as
/// working directory, the host's environment plus the worker and app directories. Its console lines go to the host
/// log, classified by their words as the host classifies them; the last three error lines explain an exit.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    // The host keeps the last three error lines of standard error for the exit report.
    private const int ErrorLinesKept = 3;

    private readonly Process _process;
    private readonly HostLog _log;
    private readonly Queue<string> _errorLines = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    private WorkerProcess(Process process, HostLog log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>Completes with the exit code when the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    public int Id => _process.Id;

    /// <summary>When the process was started (a <see cref="Stopwatch"/> timestamp), for cold-start measurements.</summary>
    public long StartedAt { get; private set; }

    /// <summary>The host's report of an unexpected exit, once there was one.</summary>
    public string? ExitReport { get; private set; }

    public static WorkerProcess Start(WorkerConfig config, string appDirectory, Uri grpcUri, string workerId, IDictionary<string, string?> appSettings, HostLog log)
    {
        var requestId = Guid.NewGuid().ToString();
        var maxMessageLength = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(config.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = appDirectory,
        };
        foreach (var argument in config.ExecutableArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(config.WorkerPath);
        string[] connection =
        [
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture), "--workerId", workerId,
            "--requestId", requestId, "--grpcMaxMessageLength", maxMessageLength,
            "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", maxMessageLength,
        ];
        foreach (var argument in connection)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in appSettings)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, log);
        process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnError(e.Data);
        process.Exited += (_, _) => worker.OnExited();
        worker.StartedAt = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.Write(LogLevel.Information, "Host", $"Started the {config.Language} worker: pid {process.Id}, {config.ExecutablePath} {config.WorkerPath}");
        return worker;
    }

    /// <summary>Peak resident memory of the process so far (Linux VmHWM), in KiB; 0 where it cannot be read.</summary>
    public long PeakWorkingSetKb()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Waits up to <paramref name="grace"/> for the process to exit, then kills it.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopping = true;
        if (await Task.WhenAny(_exited.Task, Task.Delay(grace)) != _exited.Task)
        {
            _log.Write(LogLevel.Warning, "Host", $"Worker process {_process.Id} has not exited within {grace.TotalSeconds:0} s: killing it");
            Kill();
            await _exited.Task;
        }
    }

    /// <summary>Ends the process at once (the host's last resort, and what a crash looks like).</summary>
    public void Kill()
    {
        _stopping = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is not null)
        {
            _log.Write(LogLevel.Information, "Worker.Console", line);
        }
    }

    // Standard error: "warn" makes a warning; "error", "fail", "severe" or "unhandled exception" an error, kept for
    // the exit report; anything else is information.
    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains("warn", StringComparison.OrdinalIgnoreCase))
        {
            _log.Write(LogLevel.Warning, "Worker.Console", line);
            return;
        }

        if (line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)
            || line.Contains("severe", StringComparison.OrdinalIgnoreCase) || line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase))
        {
            _log.Write(LogLevel.Error, "Worker.Console", line);
            lock (_errorLines)
            {
                if (_errorLines.Count == ErrorLinesKept)
                {
                    _errorLines.Dequeue();
                }

                _errorLines.Enqueue(line);
            }

            return;
        }

        _log.Write(LogLevel.Information, "Worker.Console", line);
    }

    private void OnExited()
    {
        // Let the output readers drain before the exit is reported.
        _process.WaitForExit();
        var code = _process.ExitCode;
        if (code != 0 && !_stopping)
        {
            string errors;
            lock (_errorLines)
            {
                errors = string.Join(",", _errorLines.Where(l => l.Length > 0));
            }

            ExitReport = $"Language Worker Process exited. Pid={_process.Id}. {Path.GetFileName(_process.StartInfo.FileName)} exited with code {code} (0x{code:X}): {errors}";
            _log.Write(LogLevel.Error, "Host", ExitReport);
        }
        else
        {
            _log.Write(LogLevel.Information, "Host", $"Worker process {_process.Id} exited with code {code}");
        }

        _exited.TrySetResult(code);
    }
}
