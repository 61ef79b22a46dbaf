using System.Collections.Concurrent;
using System.Diagnostics;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary>W3C trace context flows from the client through the gateway to the backend.</summary>
public sealed class TracingTests : IAsyncLifetime
{
    private readonly ConcurrentBag<Activity> _spans = [];
    private ActivityListener _listener = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PorticoTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_listener);
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "traced", "auth": "anonymous", "match": { "path": "/traced/{**rest}" }, "backend": "b" } ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        _listener.Dispose();
    }

    [Fact]
    public async Task Forward_WithTraceparent_BackendJoinsTheSameTraceUnderTheGatewaySpan()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/traced/a");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{clientSpan}-01");

        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();

        var received = _backend.LastRequest.Header("traceparent");
        Assert.NotNull(received);
        var parts = received!.Split('-');
        Assert.Equal(traceId.ToHexString(), parts[1]);
        Assert.NotEqual(clientSpan.ToHexString(), parts[2]); // the gateway inserted its own span

        Assert.True(await Eventually.TrueAsync(() => _spans.Any(s => s.TraceId == traceId), TimeSpan.FromSeconds(5)));
        var gatewaySpan = _spans.Single(s => s.TraceId == traceId && s.Source.Name == PorticoTelemetry.Name);
        // The host's own server span (if any) sits between the client's span and the gateway's.
        var ancestors = new List<ActivitySpanId> { gatewaySpan.ParentSpanId };
        for (var parent = gatewaySpan.Parent; parent is not null; parent = parent.Parent)
        {
            ancestors.Add(parent.ParentSpanId);
        }

        Assert.Contains(clientSpan, ancestors);
        Assert.Equal("traced", gatewaySpan.GetTagItem("portico.route"));
        Assert.Equal(200, gatewaySpan.GetTagItem("http.response.status_code"));
        Assert.Equal("GET traced", gatewaySpan.DisplayName);
    }

    [Fact]
    public async Task Forward_WithoutTraceparent_BackendStillGetsATraceContext()
    {
        using var response = await _gateway.Client.GetAsync("/traced/b");
        response.EnsureSuccessStatusCode();
        var received = _backend.LastRequest.Header("traceparent");
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", received);
    }
}
