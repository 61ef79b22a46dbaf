using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// A real DNS server for discovery tests: Debian's dnsmasq on 127.0.0.1 and a free port, answering only from a hosts
/// file and SRV lines this test writes (no upstream, authoritative for <c>.test</c>), with the TTL the test chooses.
/// The test command and CI install it (<c>apt-get install dnsmasq</c>).
/// </summary>
public sealed class DnsmasqProcess : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private ChildProcess? _process;

    private DnsmasqProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>The server as <c>Portico:Discovery:DnsServers</c> takes it.</summary>
    public string Server => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    private string HostsFile => _directory.File("hosts");

    /// <summary>Starts dnsmasq answering <paramref name="hosts"/> (hosts-file lines) and <paramref name="srvRecords"/> (<c>name,target,port,priority,weight</c>) with TTL <paramref name="ttl"/> seconds.</summary>
    public static async Task<DnsmasqProcess> StartAsync(string hosts, IEnumerable<string>? srvRecords = null, int ttl = 30)
    {
        var server = new DnsmasqProcess(FreePort());
        await File.WriteAllTextAsync(server.HostsFile, hosts);
        var config = string.Join('\n',
        [
            $"port={server.Port}",
            "listen-address=127.0.0.1",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "no-poll",
            "local=/test/",
            $"addn-hosts={server.HostsFile}",
            $"local-ttl={ttl}",
            .. (srvRecords ?? []).Select(r => "srv-host=" + r),
        ]) + "\n";
        var configFile = server._directory.File("dnsmasq.conf");
        await File.WriteAllTextAsync(configFile, config);
        var binary = File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq";
        server._process = ChildProcess.Start(
            new ProcessStartInfo(binary) { ArgumentList = { "--keep-in-foreground", "--conf-file=" + configFile, "--user=root", "--pid-file=", "--log-facility=-" } },
            "dnsmasq did not start: install it with 'apt-get install dnsmasq' (the test command does).");
        await server.WaitUntilAnsweringAsync();
        return server;
    }

    /// <summary>Replaces the hosts file and makes dnsmasq read it again (SIGHUP).</summary>
    public async Task SetHostsAsync(string hosts)
    {
        await File.WriteAllTextAsync(HostsFile, hosts);
        using var signal = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-HUP", _process!.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await signal.WaitForExitAsync();
        await WaitUntilServingAsync(hosts);
    }

    /// <summary>
    /// dnsmasq rereads the file when it handles the signal, after <c>kill</c> has returned: waits until every name of
    /// <paramref name="hosts"/> is answered with exactly its addresses, so a test's next lookup sees the new file.
    /// </summary>
    private async Task WaitUntilServingAsync(string hosts)
    {
        var expected = hosts.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 2)
            .GroupBy(parts => parts[1], parts => IPAddress.Parse(parts[0]).ToString())
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToArray());
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, Port)) { UseCache = false, Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 });
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            var serving = true;
            foreach (var (name, addresses) in expected)
            {
                try
                {
                    var a = await client.QueryAsync(name, QueryType.A);
                    var aaaa = await client.QueryAsync(name, QueryType.AAAA);
                    var answered = a.Answers.ARecords().Select(r => r.Address.ToString())
                        .Concat(aaaa.Answers.AaaaRecords().Select(r => r.Address.ToString()))
                        .Order(StringComparer.Ordinal);
                    serving &= answered.SequenceEqual(addresses);
                }
                catch (DnsResponseException)
                {
                    serving = false;
                }
            }

            if (serving)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("dnsmasq did not serve the new hosts file within 20 s.");
    }

    /// <summary>Stops the server abruptly, as an outage would.</summary>
    public void Kill() => _process?.Kill();

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, Port)) { UseCache = false, Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 });
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"dnsmasq exited with code {_process.ExitCode}.");
            }

            try
            {
                var response = await client.QueryAsync("probe.test", QueryType.A);
                if (response.Header.ResponseCode is DnsHeaderResponseCode.NotExistentDomain or DnsHeaderResponseCode.NoError)
                {
                    return;
                }
            }
            catch (DnsResponseException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("dnsmasq did not answer within 20 s.");
    }

    /// <summary>A port free for both TCP and UDP on 127.0.0.1 (dnsmasq listens on both).</summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Azurite.FreePort();
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for UDP: try another.
            }
        }
    }
}
