using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary><c>portico serve</c> exports over OTLP when the standard OpenTelemetry environment says where.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Serve_WithOtlpEndpoint_ExportsTracesAndMetrics()
    {
        await using var collector = await TestBackend.StartAsync(context => Task.CompletedTask); // answers 200 to every export
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, """
        { "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } } ] }
        """);
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "50",
        };
        await using var gateway = GatewayProcess.Start(environment, "serve", "--config", config, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        Assert.Equal("hi", await client.GetStringAsync("/hello"));

        Assert.True(
            await Eventually.TrueAsync(() => collector.Requests.Any(r => r.Path == "/v1/traces") && collector.Requests.Any(r => r.Path == "/v1/metrics"), TimeSpan.FromSeconds(20)),
            "no OTLP export arrived: " + string.Join(", ", collector.Requests.Select(r => r.Path)));
        Assert.All(collector.Requests, r => Assert.Equal("application/x-protobuf", r.Header("Content-Type")));
    }
}
