using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Portico.Bench.RateLimit;

/// <summary>The Azurite the tests pin (tests/azurite), started on a free loopback port for this run, or one already running.</summary>
internal sealed class AzuriteServer : IDisposable
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? _process;
    private readonly string? _data;

    private AzuriteServer(string endpoint, Process? process, string? data)
    {
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint={endpoint};";
        _process = process;
        _data = data;
    }

    /// <summary>A connection string for the development account (a published, non-secret key).</summary>
    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync(string repository)
    {
        var existing = Environment.GetEnvironmentVariable("PORTICO_TEST_AZURITE_TABLE_ENDPOINT");
        if (!string.IsNullOrEmpty(existing))
        {
            return new AzuriteServer(existing, null, null);
        }

        var binary = Path.Combine(repository, "tests", "azurite", "node_modules", ".bin", "azurite-table");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException("Azurite is not installed: run 'npm ci' in tests/azurite (./test.sh does).");
        }

        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var data = Directory.CreateTempSubdirectory("portico-bench-azurite-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", data, "--silent", "--skipApiVersionCheck", "--disableTelemetry" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }

        return new AzuriteServer($"http://127.0.0.1:{port}/devstoreaccount1", process, data);
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        if (_data is not null)
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
