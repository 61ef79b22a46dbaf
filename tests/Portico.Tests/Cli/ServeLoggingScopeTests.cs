using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Cli.Serve;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// <c>portico serve</c> keeps no logging scopes unless the console shows them: Kestrel's scope for every connection
/// would otherwise be an execution context every continuation of every request switches to (issue 25).
/// </summary>
public sealed class ServeLoggingScopeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public ServeLoggingScopeTests() => File.WriteAllText(_directory.File("portico.json"), """
        { "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }
        """);

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task BeginScope_StoresAScopeOnlyWhenTheConsoleShowsScopes(string? includeScopes, bool stored)
    {
        var settings = new Dictionary<string, string?> { ["Portico:Registry:File"] = _directory.File("portico.json") };
        if (includeScopes is not null)
        {
            settings["Logging:Console:FormatterOptions:IncludeScopes"] = includeScopes;
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
        var settings = new Dictionary<string, string>
        {
            ["Portico__AccessLog__Output"] = "Logger", // the access log as a console log event, logged inside the connection's scope
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
        };
        await using var gateway = GatewayProcess.Start(settings, "serve", "--config", _directory.File("portico.json"), "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());
        Assert.Equal("x", await client.GetStringAsync("/x"));

        Assert.True(await Eventually.TrueAsync(
            () => gateway.Output.Split('\n').Any(line => line.Contains("GET /x 200", StringComparison.Ordinal) && line.Contains("ConnectionId:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10)), gateway.Output);
    }
}
