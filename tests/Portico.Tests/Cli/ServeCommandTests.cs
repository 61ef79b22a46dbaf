using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico serve</c> as a process: it refuses to start on bad configuration and says exactly why.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_InvalidConfiguration_ExitsNonZeroNamingFileLineAndField()
    {
        using var directory = new TempDirectory();
        var config = directory.File("gateway.json");
        await File.WriteAllTextAsync(config, """
        {
          "routes": [
            { "id": "r", "auth": "anonymous", "match": { "path": "/x/{id" }, "static": { "body": "x" } }
          ]
        }
        """);

        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, code);
        Assert.Contains($"{config}:3:", error);
        Assert.Contains("route 'r': match.path: invalid route template", error);
    }

    [Fact]
    public async Task Serve_MissingFile_ExitsNonZeroSayingSo()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--config", "/nonexistent/portico.json", "--urls", "http://127.0.0.1:0");
        Assert.Equal(3, code);
        Assert.Contains("/nonexistent/portico.json", error);
    }

    [Fact]
    public async Task Serve_NoRegistry_ExitsWithUsageHint()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("No registry configured", error);
        Assert.Contains("--config", error);
    }

    [Fact]
    public async Task Serve_TwoSources_RefusedAsBadArguments()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--demo", "--config", "x.json");
        Assert.Equal(2, code);
        Assert.Contains("choose one of", error);
    }

    [Fact]
    public async Task Serve_UnknownOption_IsABadArgument()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", error);
    }
}
