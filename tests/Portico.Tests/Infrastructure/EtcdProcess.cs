using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A real etcd v3 server for discovery tests: Debian's <c>etcd-server</c> on 127.0.0.1 with free client and peer
/// ports and a fresh data directory; keys are written through its JSON gateway as any client would. The test command
/// and CI install it (<c>apt-get install etcd-server</c>).
/// </summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ChildProcess? _process;

    private EtcdProcess(int clientPort, int peerPort)
    {
        ClientPort = clientPort;
        PeerPort = peerPort;
    }

    public int ClientPort { get; }

    public int PeerPort { get; }

    /// <summary>The client URL, as a <c>discovery.endpoints</c> entry.</summary>
    public string Url => $"http://127.0.0.1:{ClientPort.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<EtcdProcess> StartAsync()
    {
        var etcd = new EtcdProcess(Azurite.FreePort(), Azurite.FreePort());
        var peer = $"http://127.0.0.1:{etcd.PeerPort.ToString(CultureInfo.InvariantCulture)}";
        var binary = File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : "etcd";
        etcd._process = ChildProcess.Start(new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                "--name", "portico-test", "--data-dir", etcd._data.Path,
                "--listen-client-urls", etcd.Url, "--advertise-client-urls", etcd.Url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "portico-test=" + peer,
                "--log-level", "error", "--logger", "zap",
            },
        }, "etcd did not start: install it with 'apt-get install etcd-server' (the test command does).");

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (etcd._process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {etcd._process.ExitCode}.");
            }

            try
            {
                await etcd.PostAsync("v3/kv/range", new { key = Base64("probe") });
                return etcd;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("etcd did not answer within 30 s.");
    }

    public Task PutAsync(string key, string value) => PostAsync("v3/kv/put", new { key = Base64(key), value = Base64(value) });

    public Task DeleteAsync(string key) => PostAsync("v3/kv/deleterange", new { key = Base64(key) });

    /// <summary>Stops the server abruptly, as an outage would.</summary>
    public void Kill() => _process?.Kill();

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        _client.Dispose();
        _data.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PostAsync(string path, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(Url + "/" + path, content);
        response.EnsureSuccessStatusCode();
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
