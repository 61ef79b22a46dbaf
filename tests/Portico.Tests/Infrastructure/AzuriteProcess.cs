using System.Diagnostics;
using System.Net.Sockets;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A private Azurite process that a test can stop and start again on the same port (data kept on disk), to
/// prove how the gateway behaves while storage is down and after it returns. It never outlives the test process.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private Process? _process;

    private readonly string _service;

    /// <summary>
    /// Runs the command in its arguments after the first (the owner's process id) and stops it when the owner is gone
    /// (checked every second), or ends when the command does, with its exit code.
    /// </summary>
    private const string OwnerWatchdog = """
        owner=$1; shift
        "$@" & child=$!
        while kill -0 "$owner" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill "$child" 2>/dev/null
        wait "$child"
        """;

    private AzuriteProcess(int port, string service)
    {
        Port = port;
        _service = service;
    }

    public int Port { get; }

    /// <summary>The service endpoint (Table, or Blob for a blob instance).</summary>
    public string TableEndpoint => $"http://127.0.0.1:{Port}/{Azurite.AccountName}";

    public string ConnectionString => Azurite.ConnectionStringFor(TableEndpoint);

    /// <summary>Starts Azurite's <paramref name="service"/> (<c>table</c> or <c>blob</c>) on a free port.</summary>
    public static async Task<AzuriteProcess> StartAsync(string service = "table")
    {
        var instance = new AzuriteProcess(Azurite.FreePort(), service);
        await instance.StartAgainAsync();
        return instance;
    }

    /// <summary>Starts (or restarts) the process and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (OperatingSystem.IsWindows())
        {
            start.FileName = Azurite.BinaryPath(_service);
        }
        else
        {
            // Under a watchdog shell that ends Azurite within a second of this test process ending, however it ends:
            // a test run killed (SIGKILL, a watchdog's timeout) runs no exit handler, and its Azurite was left behind.
            start.FileName = "/bin/sh";
            foreach (var argument in new[] { "-c", OwnerWatchdog, "azurite-watchdog", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Azurite.BinaryPath(_service) })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[]
        {
            $"--{_service}Host", "127.0.0.1", $"--{_service}Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _data.Path, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Yield();
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("Azurite did not accept connections within 30 s.");
    }

    /// <summary>Stops the process abruptly, as an outage would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _data.Dispose();
        return ValueTask.CompletedTask;
    }
}
