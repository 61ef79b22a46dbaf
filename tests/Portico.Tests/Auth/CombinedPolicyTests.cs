using System.Net;
using System.Security.Cryptography.X509Certificates;
using Portico.Auth;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Auth.AuthTestRegistry;

namespace Portico.Tests.Auth;

/// <summary><c>anyOf</c> and <c>allOf</c> policies, served from the file store and from Table storage alike.</summary>
public sealed class CombinedPolicyTests : IAsyncLifetime
{
    private const string Audience = "api://orders";
    private TestAuthorizationServer _idp = null!;
    private TestBackend _backend = null!;
    private X509Certificate2 _authority = null!;
    private string _key = "";
    private string _registry = "";

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        _backend = await TestBackend.StartAsync();
        _authority = TestCertificates.CreateAuthority("Combined CA");
        (_key, var id) = ApiKeyFormat.Generate();
        _registry = $$"""
        {
          "backends": [ { "id": "api", "url": {{J(_backend.Url)}} } ],
          "consumers": [ { "id": "partner-a" } ],
          "apiKeys": [ { "id": "{{id}}", "consumer": "partner-a", "hash": "{{ApiKeyFormat.Hash(_key)}}" } ],
          "authPolicies": [
            { "id": "keys", "type": "apiKey" },
            { "id": "users", "type": "jwt", "jwt": { "issuers": [
              { "issuer": {{J(_idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "discoveryUrl": {{J(_idp.DiscoveryUrl)}}, "requireHttps": false } ] } },
            { "id": "certs", "type": "mtls", "mtls": { "caCertificates": [ {{J(TestCertificates.Pem(_authority))}} ] } },
            { "id": "key-or-token", "type": "anyOf", "policies": [ "keys", "users" ] },
            { "id": "cert-and-token", "type": "allOf", "policies": [ "certs", "users" ] }
          ],
          "routes": [
            { "id": "any", "auth": "key-or-token", "match": { "path": "/any" }, "backend": "api" },
            { "id": "all", "auth": "cert-and-token", "match": { "path": "/all" }, "backend": "api" }
          ]
        }
        """;
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
        _authority.Dispose();
    }

    private static readonly Dictionary<string, string?> TrustHeader = new() { ["Portico:Auth:ClientCertificates:TrustForwardedHeader"] = "true" };

    public static TheoryData<string> Stores => ["file", "table"];

    private async Task<GatewayHost> StartAsync(string store)
    {
        if (store == "file")
        {
            return await GatewayHost.StartWithFileAsync(_registry, TrustHeader);
        }

        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        using var directory = new TempDirectory();
        var path = directory.File("registry.json");
        await File.WriteAllTextAsync(path, _registry);
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", path, "--storage", connection, "--table", table);
        Assert.True(code == 0, error);
        return await GatewayHost.StartWithTableAsync(connection, table, TrustHeader);
    }

    private static async Task<HttpResponseMessage> SendAsync(GatewayHost gateway, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await gateway.Client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AnyOf_EitherCredentialPasses_NoneGivesBothChallenges(string store)
    {
        await using var gateway = await StartAsync(store);
        var token = _idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());

        using (var byKey = await SendAsync(gateway, "/any", ("X-Api-Key", _key)))
        {
            Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
            Assert.Equal("apiKey", _backend.LastRequest.Header("X-Portico-Auth-Method"));
        }

        using (var byToken = await SendAsync(gateway, "/any", ("Authorization", "Bearer " + token)))
        {
            Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
            Assert.Equal("jwt", _backend.LastRequest.Header("X-Portico-Auth-Method"));
        }

        using (var neither = await SendAsync(gateway, "/any"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, neither.StatusCode);
            await ProblemAssert.ReadAsync(neither, "authentication-required");
            var challenge = neither.Headers.WwwAuthenticate.ToString();
            Assert.Contains("Portico-ApiKey", challenge, StringComparison.Ordinal);
            Assert.Contains("Bearer", challenge, StringComparison.Ordinal);
        }

        // A bad token next to no key is reported as the bad token, not as missing credentials.
        using (var badToken = await SendAsync(gateway, "/any", ("Authorization", "Bearer " + token[..^10])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
            await ProblemAssert.ReadAsync(badToken, "invalid-token");
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AllOf_NeedsTheCertificateAndTheToken(string store)
    {
        await using var gateway = await StartAsync(store);
        var before = _backend.Count;
        var token = _idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());
        using var certificate = TestCertificates.CreateClient(_authority, "partner-a");
        var cert = Convert.ToBase64String(certificate.Export(X509ContentType.Cert));

        using (var tokenOnly = await SendAsync(gateway, "/all", ("Authorization", "Bearer " + token)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tokenOnly.StatusCode);
            Assert.Contains("Portico-ClientCertificate", tokenOnly.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var certOnly = await SendAsync(gateway, "/all", ("X-ARR-ClientCert", cert)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, certOnly.StatusCode);
        }

        Assert.Equal(before, _backend.Count);
        using (var both = await SendAsync(gateway, "/all", ("X-ARR-ClientCert", cert), ("Authorization", "Bearer " + token)))
        {
            Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        }

        var seen = _backend.LastRequest;
        Assert.Equal("mtls+jwt", seen.Header("X-Portico-Auth-Method"));
        Assert.Equal("CN=partner-a", seen.Header("X-Portico-Subject"));
        Assert.Equal("orders.read profile", seen.Header("X-Portico-Scopes"));
        Assert.Equal("Bearer " + token, seen.Header("Authorization"));
    }
}
