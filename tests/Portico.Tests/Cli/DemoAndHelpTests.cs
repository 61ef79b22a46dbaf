using System.Net;
using System.Net.Sockets;
using Portico.Cli;
using Portico.Cli.Demo;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>The command calls itself <c>portico</c>, and <c>serve --demo</c> works when the demo port is taken (issue 22).</summary>
public sealed class DemoAndHelpTests
{
    [Theory]
    [InlineData("--help", "Usage:\n  portico [command] [options]")]
    [InlineData("keys create --help", "Usage:\n  portico keys create [options]")]
    [InlineData("config validate -h", "Usage:\n  portico config validate <FILE> [options]")]
    public async Task Help_UsageLine_NamesTheCommandPortico(string arguments, string usage)
    {
        var (code, output, error) = await GatewayProcess.RunToExitAsync(arguments.Split(' '));

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains(usage, output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("Portico.Cli", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeDemo_DemoPortTaken_BackendsMoveToAFreePortAndTheDemoAnswers()
    {
        using var taken = Occupy(DemoBackends.DefaultUrl);

        await using var gateway = GatewayProcess.Start("serve", "--demo", "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        Assert.Equal("{\"id\":\"42\",\"name\":\"Ada Lovelace\",\"plan\":\"pro\"}\n", await client.GetStringAsync("/api/users/42"));
        Assert.Contains("7080 is in use: the demo backends listen on http://127.0.0.1:", gateway.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_DemoPortTaken_SaysSoAndExitsFour()
    {
        using var taken = Occupy(DemoBackends.DefaultUrl);

        var (code, _, error) = await GatewayProcess.RunToExitAsync("demo");

        Assert.Equal(ExitCodes.CannotListen, code);
        Assert.Contains("http://127.0.0.1:7080 is in use", error, StringComparison.Ordinal);
    }

    /// <summary>Holds the address's port for the test; null when another process holds it already (it is taken either way).</summary>
    private static TcpListener? Occupy(string url)
    {
        var listener = new TcpListener(IPAddress.Loopback, new Uri(url).Port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            listener.Dispose();
            return null;
        }
    }
}
