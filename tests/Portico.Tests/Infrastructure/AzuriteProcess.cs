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
    private ChildProcess? _process;

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

    /// <summary>
    /// Starts Azurite's <paramref name="service"/> (<c>table</c> or <c>blob</c>) on a free port. A port is only known free
    /// when it is picked: another process may bind it before Azurite does, and then Azurite exits, so that start is
    /// retried on another port.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(string service = "table")
    {
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var instance = new AzuriteProcess(Azurite.FreePort(), service);
            try
            {
                await instance.StartAgainAsync();
                return instance;
            }
            catch (InvalidOperationException) when (instance._process is { HasExited: true } && attempt < attempts)
            {
                await instance.DisposeAsync();
            }
            catch
            {
                await instance.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts (or restarts) the process and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        _process?.Dispose(); // the previous run, killed
        _process = ChildProcess.Start(new ProcessStartInfo(Azurite.BinaryPath(_service))
        {
            ArgumentList =
            {
                $"--{_service}Host", "127.0.0.1", $"--{_service}Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--location", _data.Path, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
            },
        }, "Azurite did not start.");

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
    public void Kill() => _process?.Kill();

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _data.Dispose();
        return ValueTask.CompletedTask;
    }
}
