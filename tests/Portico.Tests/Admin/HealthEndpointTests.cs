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

    [Fact]
    public async Task Ready_NewerRevisionRejected_StaysReadyAndShowsTheRejectedRevisionAndErrorCount()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(
            """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }""",
            new Dictionary<string, string?> { ["Portico:Registry:ReloadInterval"] = "00:00:01" });
        var live = (await ReadyAsync(gateway)).GetProperty("revision").GetString();

        // Two errors: an unknown backend and a malformed template.
        await gateway.WriteConfigAsync("""{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x/{a" }, "backend": "nope" } ] }""");
        JsonElement body = default;
        Assert.True(await Eventually.TrueAsync(async () => (body = await ReadyAsync(gateway)).TryGetProperty("rejected", out _), TimeSpan.FromSeconds(10)), "no rejected revision shown");

        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(live, body.GetProperty("revision").GetString());
        var rejected = body.GetProperty("rejected");
        Assert.NotEqual(live, rejected.GetProperty("revision").GetString());
        Assert.Equal(2, rejected.GetProperty("errors").GetInt32());
        Assert.DoesNotContain("nope", body.GetRawText(), StringComparison.Ordinal); // the errors themselves stay in the log

        await gateway.WriteConfigAsync("""{ "routes": [ { "id": "r2", "auth": "anonymous", "match": { "path": "/y" }, "static": { "body": "y" } } ] }""");
        Assert.True(await Eventually.TrueAsync(async () => !(await ReadyAsync(gateway)).TryGetProperty("rejected", out _), TimeSpan.FromSeconds(10)), "the rejection stayed after a good revision");
    }

    private static async Task<JsonElement> ReadyAsync(GatewayHost gateway)
    {
        using var response = await gateway.Client.GetAsync("/_portico/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
