using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Admin;

/// <summary>
/// Portico's own endpoints under <c>/_portico</c> through the host, and the host's own <c>/admin</c> and <c>/runtime</c>
/// space, which never reaches the gateway even with a catch-all route.
/// </summary>
public sealed class PorticoEndpointsTests(PorticoEndpointsTests.App app) : IClassFixture<PorticoEndpointsTests.App>
{
    private TestBackend Backend => app.Backend;

    private HttpClient Client => app.Gateway.Client;

    /// <summary>One worker for the class: a catch-all route to a backend, and a signing key for identity tokens.</summary>
    public sealed class App : IAsyncLifetime
    {
        public ECDsa SigningKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public TestBackend Backend { get; private set; } = null!;

        public FunctionsGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Backend = await TestBackend.StartAsync();
            Gateway = await FunctionsGateway.StartWithFileAsync(
                $$"""
                {
                  "backends": [ { "id": "b", "url": "{{Backend.Url}}" } ],
                  "routes": [ { "id": "everything", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "b" } ]
                }
                """,
                new Dictionary<string, string?> { ["Portico__Auth__IdentityToken__SigningKey"] = SigningKey.ExportPkcs8PrivateKeyPem() });
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
            SigningKey.Dispose();
        }
    }

    [Fact]
    public async Task Health_LiveAndReady_Answer200WithTheLoadedRevision()
    {
        var before = Backend.Count;
        using var live = await Client.GetAsync("/_portico/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("live", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using var ready = await Client.GetAsync("/_portico/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("routes").GetInt32());
        Assert.Equal(before, Backend.Count);
    }

    [Fact]
    public async Task Jwks_SigningKeyConfigured_PublishesItsPublicKey()
    {
        using var response = await Client.GetAsync("/_portico/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var key = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray().Single();
        var published = app.SigningKey.ExportParameters(false);
        Assert.Equal(TestTokens.B64(published.Q.X!), key.GetProperty("x").GetString());
        Assert.Equal(TestTokens.B64(published.Q.Y!), key.GetProperty("y").GetString());
    }

    [Fact]
    public async Task Prefix_UnknownEndpoint_404ProblemEvenWithACatchAllRoute()
    {
        var before = Backend.Count;
        using var response = await Client.GetAsync("/_portico/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "route-not-found");
        Assert.Equal(before, Backend.Count);
    }

    [Theory]
    [InlineData("/admin/host/status")]
    [InlineData("/admin")]
    [InlineData("/runtime/webhooks/eventgrid")]
    public async Task HostReservedPath_CatchAllRoute_NeverReachesTheGateway(string path)
    {
        var before = Backend.Count;
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, Backend.Count);
    }

    [Fact]
    public async Task Root_CatchAllRoute_ReachesTheBackend()
    {
        // The route prefix is empty (host.json): "/" and every path outside the host's space are the gateway's.
        using var root = await Client.GetAsync("/?probe=root");
        using var administration = await Client.GetAsync("/administration?probe=root");

        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal(HttpStatusCode.OK, administration.StatusCode);
        Assert.Equal(["/", "/administration"], Backend.Requests.Where(r => r.Query == "?probe=root").Select(r => r.Path));
    }
}
