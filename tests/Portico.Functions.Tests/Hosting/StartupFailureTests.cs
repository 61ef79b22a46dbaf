using System.Net;
using Microsoft.Extensions.Logging;
using Portico.Functions.TestHost;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Hosting;

/// <summary>
/// A worker that cannot start, as the Functions host shows it: the host reports a worker's exit with its exit code and
/// the last error lines of its standard error (lines with "error" or "fail"), so each problem must be on such a line,
/// naming the file, line and field, as <c>portico serve</c> names them.
/// </summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task Start_InvalidRegistryFile_WorkerExitsAndTheHostsReportNamesFileLineAndField()
    {
        using var directory = new TempDirectory();
        var file = directory.File("portico.json");
        await File.WriteAllTextAsync(file, """
        {
          "routes": [
            { "id": "orders", "auth": "anonymous", "match": { "path": "/orders" }, "backend": "missing" }
          ]
        }
        """);
        await using var host = await FunctionsTestHost.CreateAsync(FunctionsGateway.Options(new Dictionary<string, string?> { ["Portico__Registry__File"] = file }));

        var result = await host.StartWorkerAsync();

        Assert.False(result.Ready);
        var report = result.Failure!;
        Assert.Contains("Language Worker Process exited", report);
        Assert.Contains("exited with code 2 (0x2)", report);
        Assert.Contains($"{file}:3:", report);
        Assert.Contains("route 'orders': backend: unknown backend 'missing'", report);
        Assert.DoesNotContain("Unhandled exception", host.Log.ToString());
        Assert.Contains(host.Log.Entries, e => e.Level == LogLevel.Error && e.Category == "Worker.Console" && e.Message.Contains("unknown backend 'missing'", StringComparison.Ordinal));

        // Requests get the host's own 503, never an answer from a gateway without its configuration.
        using var client = FunctionsGateway.CreateClient(host.Url);
        using var response = await client.GetAsync("/orders");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Function host is not running.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Start_NoRegistryConfigured_WorkerExitsAndTheHostsReportSaysWhatToSet()
    {
        await using var host = await FunctionsTestHost.CreateAsync(FunctionsGateway.Options(new Dictionary<string, string?>()));

        var result = await host.StartWorkerAsync();

        Assert.False(result.Ready);
        Assert.Contains("exited with code 2 (0x2)", result.Failure);
        Assert.Contains("No registry configured: set Portico:Registry:File", result.Failure);
    }
}
