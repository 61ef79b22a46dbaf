using System.Collections.Concurrent;
using System.Diagnostics;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>Each part is a child span of the gateway's span, carries the trace to its backend, and is measured.</summary>
public sealed class AggregateTelemetryTests : IAsyncLifetime
{
    private readonly ConcurrentBag<Activity> _spans = [];
    private ActivityListener _activities = null!;
    private MetricRecorder _metrics = null!;
    private TestBackend _good = null!;
    private TestBackend _broken = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PorticoTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_activities);
        _good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        _broken = await TestBackend.StartAsync(JsonHandlers.Fixed("{}", 503));
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "users", "url": "{{_good.Url}}" }, { "id": "recs", "url": "{{_broken.Url}}" } ],
          "routes": [ { "id": "home", "auth": "anonymous", "match": { "path": "/home" }, "aggregate": { "parts": [
            { "name": "profile", "backend": "users", "path": "/p" },
            { "name": "orders", "backend": "users", "path": "/o/{profile.id}" },
            { "name": "recommendations", "backend": "recs", "path": "/r", "optional": true }
          ] } } ]
        }
        """);
        _metrics = new MetricRecorder(_gateway.Services);
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _gateway.DisposeAsync();
        await _good.DisposeAsync();
        await _broken.DisposeAsync();
        _activities.Dispose();
    }

    [Fact]
    public async Task Aggregate_WithTraceparent_EachPartIsAChildSpanAndBackendsJoinTheTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{clientSpan}-01");

        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();

        Assert.True(await Eventually.TrueAsync(() => _spans.Count(s => s.TraceId == traceId) >= 4, TimeSpan.FromSeconds(5)));
        var gatewaySpan = _spans.Single(s => s.TraceId == traceId && s.OperationName == "gateway");
        var partSpans = _spans.Where(s => s.TraceId == traceId && s.OperationName.StartsWith("part ", StringComparison.Ordinal)).OrderBy(s => s.OperationName).ToList();
        Assert.Equal(["part home/orders", "part home/profile", "part home/recommendations"], partSpans.Select(s => s.OperationName));
        Assert.All(partSpans, s => Assert.Equal(gatewaySpan.SpanId, s.ParentSpanId));
        var recommendations = partSpans[2];
        Assert.Equal("recommendations", recommendations.GetTagItem("portico.part"));
        Assert.Equal("recs", recommendations.GetTagItem("portico.backend"));
        Assert.Equal("http-error", recommendations.GetTagItem("portico.part.outcome"));
        Assert.Equal(503, recommendations.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, recommendations.Status);
        Assert.Equal(ActivityStatusCode.Unset, partSpans[1].Status);

        // Every backend call carries the client's trace, under a span of the gateway's (not the client's own span).
        foreach (var call in _good.Requests.Concat(_broken.Requests))
        {
            var parts = call.Header("traceparent")!.Split('-');
            Assert.Equal(traceId.ToHexString(), parts[1]);
            Assert.NotEqual(clientSpan.ToHexString(), parts[2]);
        }
    }

    [Fact]
    public async Task Aggregate_Request_EachPartMeasuredWithRoutePartBackendAndOutcome()
    {
        using var response = await _gateway.Client.GetAsync("/home");
        Assert.True(response.Headers.Contains("X-Portico-Partial"));

        Assert.True(await Eventually.TrueAsync(() => _metrics.Of("portico.aggregate.responses").Count > 0, TimeSpan.FromSeconds(5)));
        var parts = _metrics.Of("portico.aggregate.part.duration").ToDictionary(m => (string)m.Tags["portico.part"]!);
        Assert.Equal(3, parts.Count);
        Assert.All(parts.Values, m => Assert.Equal("home", m.Tags["portico.route"]));
        Assert.Equal("users", parts["orders"].Tags["portico.backend"]);
        Assert.Equal("ok", parts["orders"].Tags["portico.part.outcome"]);
        Assert.Equal(200, parts["orders"].Tags["http.response.status_code"]);
        Assert.Equal("http-error", parts["recommendations"].Tags["portico.part.outcome"]);
        Assert.InRange(parts["profile"].Value, 0, 30);
        var answer = Assert.Single(_metrics.Of("portico.aggregate.responses"));
        Assert.Equal("partial", answer.Tags["portico.aggregate.outcome"]);
        Assert.Equal("home", answer.Tags["portico.route"]);
        var request = Assert.Single(_metrics.Of("portico.requests"));
        Assert.Equal(200, request.Tags["http.response.status_code"]);
    }
}
