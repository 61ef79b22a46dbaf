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
        var start = new ProcessStartInfo(Azurite.BinaryPath(_service))
        {
            ArgumentList =
            {
                $"--{_service}Host", "127.0.0.1", $"--{_service}Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--location", _data.Path, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WatchOwner(_process.Id);

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

    /// <summary>
    /// Starts a small shell beside Azurite that stops it within a second of this test process ending, however it ends:
    /// a test run killed by a signal (a watchdog's timeout, kill -9) runs no exit handler, and its Azurite was left
    /// behind. The shell ends by itself when Azurite does.
    /// </summary>
    internal static void WatchOwner(int azurite)
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
                Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                azurite.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            UseShellExecute = false,
        });
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
