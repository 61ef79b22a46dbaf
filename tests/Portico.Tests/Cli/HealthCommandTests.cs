using System.Net;
using System.Net.Sockets;
using Portico.Cli;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico health</c>, the container image's health check (issue 22): 0 when the gateway is ready, 3 when not.</summary>
public sealed class HealthCommandTests
{
    private const string Registry = """{ "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } } ] }""";

    [Theory]
    [InlineData(false, "\"status\":\"ready\"")]
    [InlineData(true, "{\"status\":\"live\"}")]
    public async Task Health_ReadyGateway_ExitsZeroWithTheAnswer(bool live, string expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry);

        var (code, output, error) = live
            ? await PorticoCli.RunAsync("health", "--url", gateway.Url, "--live")
            : await PorticoCli.RunAsync("health", "--url", gateway.Url);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_OtherPrefix_AsksUnderIt()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?> { ["Portico:EndpointPrefix"] = "/ops" });

        var (wrongPrefix, _, wrongError) = await PorticoCli.RunAsync("health", "--url", gateway.Url);
        var (code, _, _) = await PorticoCli.RunAsync("health", "--url", gateway.Url, "--prefix", "/ops");

        Assert.Equal(ExitCodes.Unavailable, wrongPrefix);
        Assert.Contains("answered 404", wrongError, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, code);
    }

    [Fact]
    public async Task Health_NothingListening_ExitsThreeWithOneLine()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a port that was free a moment ago and now has no listener

        var (code, _, error) = await PorticoCli.RunAsync("health", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("could not be reached", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Health_NotAnAddress_ExitsTwo()
    {
        var (code, _, error) = await PorticoCli.RunAsync("health", "--url", "ftp://127.0.0.1:1");

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("is not an http or https address", error, StringComparison.Ordinal);
    }
}
