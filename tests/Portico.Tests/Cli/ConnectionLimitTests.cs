using System.Net;
using System.Net.Sockets;
using System.Text;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// Connection caps of <c>portico serve</c> over real TCP connections (issue 17, item 9): open connections per client
/// address, and in all; a connection over a cap is closed before anything is read from it, and counted.
/// </summary>
public sealed class ConnectionLimitTests
{
    private const string Registry = """
    { "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } } ] }
    """;

    private static async Task<TcpClient> ConnectFromAsync(string baseUrl, string localAddress)
    {
        var uri = new Uri(baseUrl);
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(localAddress), 0)) { NoDelay = true };
        await client.ConnectAsync(uri.Host, uri.Port);
        return client;
    }

    /// <summary>Sends one keep-alive request; the status, or null when the server closed the connection without an answer.</summary>
    private static async Task<int?> AskAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: gateway\r\n\r\n"), timeout.Token);
            var response = await RawHttp.ReadResponseAsync(stream, timeout.Token);
            return response.Status;
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or InvalidOperationException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Serve_MoreConnectionsFromOneAddressThanItsCap_ExtraOneClosedOthersServed()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?>
        {
            ["Portico:AddressLimits:MaxConnectionsPerAddress"] = "2",
        });
        using var metrics = new MetricRecorder(gateway.Services);

        using var first = await ConnectFromAsync(gateway.Url, "127.0.0.1");
        using var second = await ConnectFromAsync(gateway.Url, "127.0.0.1");
        Assert.Equal(200, await AskAsync(first));
        Assert.Equal(200, await AskAsync(second));

        using (var third = await ConnectFromAsync(gateway.Url, "127.0.0.1"))
        {
            Assert.Null(await AskAsync(third));
        }

        Assert.Equal(1, metrics.Sum("portico.connections.refused"));

        // Another address has its own count.
        using (var elsewhere = await ConnectFromAsync(gateway.Url, "127.0.0.2"))
        {
            Assert.Equal(200, await AskAsync(elsewhere));
        }

        // A closed connection gives its place back (once the server has seen it close).
        first.Dispose();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var again = await ConnectFromAsync(gateway.Url, "127.0.0.1");
            return await AskAsync(again) == 200;
        }, TimeSpan.FromSeconds(30)));
        Assert.Equal(200, await AskAsync(second)); // the open one was never disturbed
    }

    [Fact]
    public async Task Serve_MoreConnectionsThanTheTotalCap_ExtraOneClosed()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?>
        {
            ["Portico:AddressLimits:MaxConnections"] = "2",
            ["Portico:AddressLimits:MaxConnectionsPerAddress"] = "0",
        });

        using var first = await ConnectFromAsync(gateway.Url, "127.0.0.1");
        using var second = await ConnectFromAsync(gateway.Url, "127.0.0.2");
        Assert.Equal(200, await AskAsync(first));
        Assert.Equal(200, await AskAsync(second));

        using var third = await ConnectFromAsync(gateway.Url, "127.0.0.3");
        Assert.Null(await AskAsync(third));
    }
}
