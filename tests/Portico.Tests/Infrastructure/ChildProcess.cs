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
    private readonly Process _process;

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

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WatchOwner(process.Id);
        return new ChildProcess(process);
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
