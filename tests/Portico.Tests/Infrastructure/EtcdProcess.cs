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

    /// <summary>
    /// Starts etcd on two free ports. A port is only known free when it is picked: another process may bind it before etcd
    /// does, and then etcd exits (or a stranger answers on it), so a start that does not come up as this etcd is retried
    /// on other ports.
    /// </summary>
    public static async Task<EtcdProcess> StartAsync()
    {
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var etcd = new EtcdProcess(Azurite.FreePort(), Azurite.FreePort());
            try
            {
                if (await etcd.TryStartAsync())
                {
                    return etcd;
                }
            }
            catch
            {
                await etcd.DisposeAsync();
                throw;
            }

            var outcome = etcd._process!.HasExited ? $"exited with code {etcd._process.ExitCode}" : "answered as another member";
            await etcd.DisposeAsync();
            if (attempt == attempts)
            {
                throw new InvalidOperationException($"etcd {outcome} on each of {attempts} pairs of free ports.");
            }
        }
    }

    /// <summary>Starts the process; true once it answers as itself, false when it exited first (a port was taken).</summary>
    private async Task<bool> TryStartAsync()
    {
        var peer = $"http://127.0.0.1:{PeerPort.ToString(CultureInfo.InvariantCulture)}";
        var binary = File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : "etcd";
        _process = ChildProcess.Start(new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                "--name", "portico-test", "--data-dir", _data.Path,
                "--listen-client-urls", Url, "--advertise-client-urls", Url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "portico-test=" + peer,
                "--log-level", "info", "--logger", "zap", // info: its "serving client traffic" line is the ready signal
            },
        }, "etcd did not start: install it with 'apt-get install etcd-server' (the test command does).");

        // etcd logs this line once it serves its client port (after its member is ready): the signal to wait for, with
        // 30 s as the bound of a start that never comes.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        bool ready;
        try
        {
            ready = await _process.WaitForOutputAsync("serving client traffic", bound.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("etcd did not serve its client port within 30 s.");
        }

        if (!ready)
        {
            return false; // it exited first: a port was taken
        }

        // The member list names this etcd's own peer URL: an answer from a stranger on the client port does not count.
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(Url + "/v3/cluster/member/list", content);
        return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains(peer, StringComparison.Ordinal);
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
