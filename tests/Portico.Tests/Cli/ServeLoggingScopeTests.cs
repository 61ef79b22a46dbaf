using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Cli.Serve;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// <c>portico serve</c> keeps no logging scopes unless the console shows them: Kestrel's scope for every connection
/// would otherwise be an execution context every continuation of every request switches to (issue 25).
/// </summary>
public sealed class ServeLoggingScopeTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "false", false)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "true", true)]
    [InlineData("Logging:Console:IncludeScopes", "true", true)] // the console logger's older setting
    public async Task BeginScope_StoresAScopeOnlyWhenTheConsoleShowsScopes(string? setting, string? value, bool stored)
    {
        using var directory = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Portico:Registry:File"] = RegistryFile(directory) };
        if (setting is not null)
        {
            settings[setting] = value;
        }

        await using var app = StandaloneHost.Build(settings, "http://127.0.0.1:0");
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        Assert.True(logger.IsEnabled(LogLevel.Critical)); // what Kestrel checks before opening a connection's scope

        var before = ExecutionContext.Capture();
        using (logger.BeginScope("ConnectionId:{ConnectionId}", "c1"))
        {
            // A stored scope is an AsyncLocal: the flow's execution context is then a new one.
            Assert.Equal(stored, !ReferenceEquals(before, ExecutionContext.Capture()));
        }
    }

    [Fact]
    public async Task Serve_IncludeScopes_ConsoleLinesShowTheConnectionsScope()
    {
        using var directory = new TempDirectory();
        var settings = new Dictionary<string, string>
        {
            ["Portico__AccessLog__Output"] = "Logger", // the access log as a console log event, logged inside the connection's scope
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
        };
        await using var gateway = GatewayProcess.Start(settings, "serve", "--config", RegistryFile(directory), "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());
        using var response = await client.GetAsync("/no-such-route");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);

        Assert.True(await Eventually.TrueAsync(
            () => gateway.Output.Split('\n').Any(line => line.Contains("GET /no-such-route 404", StringComparison.Ordinal) && line.Contains("ConnectionId:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10)), gateway.Output);
    }

    /// <summary>A registry with one route: the gateway's access log needs no backend for a 404 of its own.</summary>
    private static string RegistryFile(TempDirectory directory)
    {
        var path = directory.File("portico.json");
        File.WriteAllText(path, """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }""");
        return path;
    }
}
