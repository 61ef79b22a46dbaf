using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary>Each request is counted, timed and logged once, tagged with its route.</summary>
public sealed class MetricsAndAccessLogTests : IAsyncLifetime
{
    private MetricRecorder _metrics = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context => Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, new string('x', 100)));
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "metered", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "m", "auth": "anonymous", "match": { "path": "/m" }, "backend": "metered" } ]
        }
        """);
        _metrics = new MetricRecorder(_gateway.Services); // this gateway's meter only (made by its own IMeterFactory)
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Request_Proxied_CountedTimedAndLoggedWithRouteMethodStatus()
    {
        using var response = await _gateway.Client.PostAsync("/m", new StringContent("hello"));
        response.EnsureSuccessStatusCode();

        Assert.True(await Eventually.TrueAsync(() => _metrics.Of("portico.upstream.duration").Count > 0, TimeSpan.FromSeconds(5)));
        var count = Assert.Single(_metrics.Of("portico.requests"));
        Assert.Equal(1, count.Value);
        Assert.Equal("m", count.Tags["portico.route"]);
        Assert.Equal("POST", count.Tags["http.request.method"]);
        Assert.Equal(200, count.Tags["http.response.status_code"]);
        var duration = Assert.Single(_metrics.Of("portico.request.duration"));
        Assert.InRange(duration.Value, 0, 60);
        var upstream = Assert.Single(_metrics.Of("portico.upstream.duration"));
        Assert.Equal("metered", upstream.Tags["portico.backend"]);

        var log = Assert.Single(_gateway.Logs.Entries, e => e.Category == ObservabilityStage.AccessLogCategory);
        var state = log.State.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("POST", state["Method"]);
        Assert.Equal("/m", state["Path"]);
        Assert.Equal(200, state["StatusCode"]);
        Assert.Equal("m", state["RouteId"]);
        Assert.Equal("metered", state["BackendId"]);
        Assert.Equal(5L, state["BytesIn"]);
        Assert.Equal(100L, state["BytesOut"]);
        Assert.NotNull(state["UpstreamMs"]);
    }

    [Fact]
    public async Task Request_UnknownMethodAndRoute_TaggedWithoutCardinalityBlowUp()
    {
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod("FANCY"), "/nothing"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(await Eventually.TrueAsync(() => _metrics.Of("portico.requests").Count > 0, TimeSpan.FromSeconds(5)));
        var count = _metrics.Of("portico.requests")[0];
        Assert.Equal("_OTHER", count.Tags["http.request.method"]);
        Assert.Equal("", count.Tags["portico.route"]);
        Assert.Equal(404, count.Tags["http.response.status_code"]);
    }
}
