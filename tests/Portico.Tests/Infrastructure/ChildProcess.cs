using System.Diagnostics;
using System.Globalization;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A server process a test starts (Azurite, dnsmasq, etcd): its output drained so it never blocks on a full pipe, and
/// stopped within a second of the test process ending, however that ends. <see cref="Kill"/> stops it abruptly, as an
/// outage would.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    // The output lines kept for WaitForOutputAsync (the first ones: a server says it is ready early), and its waiters.
    private const int KeptLines = 1000;
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="start"/>; <paramref name="missing"/> says how to install the program when it cannot start.</summary>
    public static ChildProcess Start(ProcessStartInfo start, string missing)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException(missing);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(missing, ex);
        }

        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, line) => child.Received(line.Data);
        process.ErrorDataReceived += (_, line) => child.Received(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WatchOwner(process.Id);
        return child;
    }

    /// <summary>
    /// True once a line of the process's output (standard output or error) contains <paramref name="text"/>, false when
    /// the process exits first: the signal a server gives that it is ready, instead of polling it on a clock.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Exists(line => line.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }

            _waiters.Add((text, seen));
        }

        var exited = _process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(seen.Task, exited) == seen.Task)
        {
            return true;
        }

        await exited; // a cancellation surfaces here
        return seen.Task.IsCompleted;
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            if (_lines.Count < KeptLines)
            {
                _lines.Add(line);
            }

            foreach (var (text, seen) in _waiters)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            }
        }
    }

    /// <summary>Stops the process abruptly.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>
    /// Starts a small shell beside the process that stops it within a second of this test process ending, however it
    /// ends: a test run killed by a signal (a watchdog's timeout, kill -9) runs no exit handler, and its servers were
    /// left behind. The shell ends by itself when the process does.
    /// </summary>
    private static void WatchOwner(int child)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var watchdog = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c", "while kill -0 \"$0\" 2>/dev/null && kill -0 \"$1\" 2>/dev/null; do sleep 1; done; kill \"$1\" 2>/dev/null",
                Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                child.ToString(CultureInfo.InvariantCulture),
            },
            UseShellExecute = false,
        });
    }
}
