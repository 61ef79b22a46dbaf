using System.Diagnostics;
using System.Text;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// <c>portico</c> as a separate process (the built Portico.Cli.dll run by <c>dotnet</c>), for what only a real
/// process shows: exit codes, start-up messages and memory.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process) => _process = process;

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public string Error { get { lock (_error) { return _error.ToString(); } } }

    public int Id => _process.Id;

    public static GatewayProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static GatewayProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Portico.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Portico__AccessLog__Output"] = "None";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new GatewayProcess(Process.Start(start)!);
        process._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (process._output)
            {
                process._output.AppendLine(e.Data);
            }

            process.NoticeListening(e.Data);
        };
        process._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (process._error)
            {
                process._error.AppendLine(e.Data);
            }

            // With JSON console logs, serve announces its address on standard error.
            process.NoticeListening(e.Data);
        };
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    private void NoticeListening(string line)
    {
        const string marker = "Portico listening on ";
        if (line.StartsWith(marker, StringComparison.Ordinal))
        {
            _listening.TrySetResult(line[marker.Length..].Trim());
        }
    }

    /// <summary>Runs a command to completion and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToExitAsync(params string[] args)
    {
        await using var process = Start(args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output, process.Error);
    }

    /// <summary>The URL the server listens on, once it says so.</summary>
    public async Task<string> WaitUntilListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _listening.Task)
        {
            throw new InvalidOperationException($"portico did not start listening.\nstdout:\n{Output}\nstderr:\n{Error}");
        }

        return await _listening.Task;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drain redirected output
        return _process.ExitCode;
    }

    /// <summary>Peak resident memory of the process so far (Linux VmHWM), in bytes.</summary>
    public long PeakWorkingSet()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("VmHWM not found");
    }

    /// <summary>
    /// The names of the assemblies the process has mapped so far (Linux <c>/proc/PID/maps</c>: the runtime maps every
    /// assembly it loads from its file), without the extension.
    /// </summary>
    public IReadOnlySet<string> MappedAssemblies()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/maps"))
        {
            var slash = line.LastIndexOf('/');
            if (slash >= 0 && line.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                names.Add(line[(slash + 1)..^".dll".Length]);
            }
        }

        return names;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
