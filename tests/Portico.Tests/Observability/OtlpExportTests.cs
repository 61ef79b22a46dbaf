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

    [Fact]
    public async Task Serve_WithOtlpReceiver_ExportsOneTraceWithGatewayAndBackendSpansAndTheMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var backend = await TestBackend.StartAsync();
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, $$"""
        { "backends": [ { "id": "users", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "users", "auth": "anonymous", "match": { "path": "/users" }, "backend": "users" } ] }
        """);
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "50",
        };
        await using var gateway = GatewayProcess.Start(environment, "serve", "--config", config, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        using var response = await client.GetAsync("/users");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        // The backend got the trace context of the gateway's outgoing call (W3C traceparent: 00-trace-span-flags).
        var traceparent = backend.LastRequest.Header("traceparent");
        Assert.NotNull(traceparent);
        var parts = traceparent!.Split('-');
        var (traceId, backendCallSpanId) = (parts[1], parts[2]);

        Assert.True(
            await Eventually.TrueAsync(
                () => receiver.Spans.Any(s => s.SpanId == backendCallSpanId) && receiver.Spans.Count(s => s.TraceId == traceId) >= 3
                    && receiver.MetricNames.Contains("portico.requests") && receiver.MetricNames.Contains("portico.request.duration"),
                TimeSpan.FromSeconds(20)),
            "spans: " + string.Join(", ", receiver.Spans.Select(s => $"{s.Name}({s.Kind}) {s.TraceId}/{s.SpanId}<-{s.ParentSpanId}")) + "; metrics: " + string.Join(", ", receiver.MetricNames.Distinct()));

        // One trace: the server span, the gateway's span inside it, and the client span of the call to the backend
        // (whose id the backend received) below the gateway span.
        var trace = receiver.Spans.Where(s => s.TraceId == traceId).ToDictionary(s => s.SpanId);
        var backendCall = trace[backendCallSpanId];
        Assert.Equal(3, backendCall.Kind); // client
        var ancestors = Ancestors(trace, backendCall).ToList();
        Assert.Contains(ancestors, s => s.Name == "GET users" && s.Kind == 1); // the gateway's span (internal, named by method and route)
        Assert.Equal(2, ancestors[^1].Kind); // the root is the server span of the request into portico serve
    }

    private static IEnumerable<OtlpReceiver.Span> Ancestors(Dictionary<string, OtlpReceiver.Span> trace, OtlpReceiver.Span span)
    {
        while (trace.TryGetValue(span.ParentSpanId, out var parent))
        {
            yield return parent;
            span = parent;
        }
    }
}
