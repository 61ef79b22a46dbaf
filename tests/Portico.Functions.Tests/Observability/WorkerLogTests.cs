using Microsoft.Extensions.Logging;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Observability;

/// <summary>
/// What the worker logs per request. Under Functions every log event travels to the host over gRPC and from there to
/// Application Insights, so a request must cost one access-log event, as under <c>portico serve</c>, and no framework
/// chatter.
/// </summary>
public sealed class WorkerLogTests
{
    private const string Registry = """
    {
      "routes": [ { "id": "status", "auth": "anonymous", "match": { "path": "/status" }, "static": { "json": { "status": "ok" } } } ]
    }
    """;

    [Fact]
    public async Task Request_Served_HostReceivesOneAccessLogEventAndNoFrameworkInformation()
    {
        await using var gateway = await FunctionsGateway.StartWithFileAsync(Registry);
        var before = gateway.Host.Log.Entries.Count;

        Assert.Equal("""{"status":"ok"}""", await gateway.Client.GetStringAsync("/status"));

        Assert.True(
            await Eventually.TrueAsync(() => gateway.Host.Log.Entries.Skip(before).Any(e => e.Category == "Portico.AccessLog"), TimeSpan.FromSeconds(30)),
            gateway.Log);
        var fromRequest = gateway.Host.Log.Entries.Skip(before).ToList();
        Assert.Single(fromRequest, e => e.Category == "Portico.AccessLog");
        Assert.Contains("GET /status 200", fromRequest.Single(e => e.Category == "Portico.AccessLog").Message);
        // Start-up events (Microsoft.Hosting.Lifetime, once per process) may still be arriving; nothing per request.
        Assert.DoesNotContain(fromRequest, e => e.Category.StartsWith("Microsoft", StringComparison.Ordinal) && e.Category != "Microsoft.Hosting.Lifetime" && e.Level < LogLevel.Warning);
    }
}
