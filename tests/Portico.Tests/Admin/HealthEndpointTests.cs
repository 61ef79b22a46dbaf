using System.Net;
using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Admin;

/// <summary>Portico's own endpoints under its reserved prefix.</summary>
public sealed class HealthEndpointTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartWithFileAsync("""
    { "routes": [ { "id": "everything", "auth": "anonymous", "match": { "path": "/{**rest}" }, "static": { "body": "route" } } ] }
    """);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Live_Always_Answers200()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_RegistryLoaded_Answers200WithRevisionAndRouteCount()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("routes").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("revision").GetString()));
    }

    [Fact]
    public async Task Prefix_UnknownEndpoint_Answers404EvenWithACatchAllRoute()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "route-not-found");
        Assert.Equal("route", await _gateway.Client.GetStringAsync("/anything/else"));
    }
}
