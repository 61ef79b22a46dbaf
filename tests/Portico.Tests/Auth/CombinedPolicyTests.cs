using System.Net;
using System.Security.Cryptography.X509Certificates;
using Portico.Auth;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Auth;

/// <summary><c>anyOf</c> and <c>allOf</c> policies, served from the file store and from Table storage alike.</summary>
public sealed class CombinedPolicyTests(CombinedPolicyTests.Fixture fixture) : IClassFixture<CombinedPolicyTests.Fixture>
{
    private const string Audience = "api://orders";

    /// <summary>The servers, keys and registry of the class; each test starts its own gateway over them.</summary>
    public sealed class Fixture : AuthServers
    {
        public X509Certificate2 Authority { get; } = TestCertificates.CreateAuthority("Combined CA");

        private readonly (string Key, string Id) _key = ApiKeyFormat.Generate();

        public string Key => _key.Key;

        public string Registry => $$"""
        {
          "backends": [ { "id": "api", "url": {{J(Backend.Url)}} } ],
          "consumers": [ { "id": "partner-a" } ],
          "apiKeys": [ {{ApiKey(_key.Id, "partner-a", Key)}} ],
          "authPolicies": [
            { "id": "keys", "type": "apiKey" },
            { "id": "users", "type": "jwt", "jwt": { "issuers": [ {{Idp.IssuerJson(Audience, discovery: true)}} ] } },
            { "id": "certs", "type": "mtls", "mtls": { "caCertificates": [ {{J(TestCertificates.Pem(Authority))}} ] } },
            { "id": "key-or-token", "type": "anyOf", "policies": [ "keys", "users" ] },
            { "id": "cert-and-token", "type": "allOf", "policies": [ "certs", "users" ] }
          ],
          "routes": [
            { "id": "any", "auth": "key-or-token", "match": { "path": "/any" }, "backend": "api" },
            { "id": "all", "auth": "cert-and-token", "match": { "path": "/all" }, "backend": "api" }
          ]
        }
        """;

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Authority.Dispose();
        }
    }

    private static readonly Dictionary<string, string?> TrustHeader = new() { ["Portico:Auth:ClientCertificates:TrustForwardedHeader"] = "true" };

    public static TheoryData<string> Stores => ["file", "table"];

    private TestBackend Backend => fixture.Backend;

    private async Task<GatewayHost> StartAsync(string store) => store == "file"
        ? await GatewayHost.StartWithFileAsync(fixture.Registry, TrustHeader)
        : await GatewayHost.StartWithTableAsync(await Azurite.ConnectionStringAsync(), await RegistryTables.ImportAsync(fixture.Registry), TrustHeader);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AnyOf_EitherCredentialPasses_NoneGivesBothChallenges(string store)
    {
        await using var gateway = await StartAsync(store);
        var token = fixture.Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());

        using (var byKey = await TestRequests.GetAsync(gateway.Client, "/any", ("X-Api-Key", fixture.Key)))
        {
            Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
            Assert.Equal("apiKey", Backend.LastRequest.Header("X-Portico-Auth-Method"));
        }

        using (var byToken = await TestRequests.GetAsync(gateway.Client, "/any", Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
            Assert.Equal("jwt", Backend.LastRequest.Header("X-Portico-Auth-Method"));
        }

        using (var neither = await TestRequests.GetAsync(gateway.Client, "/any"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, neither.StatusCode);
            await ProblemAssert.ReadAsync(neither, "authentication-required");
            var challenge = neither.Headers.WwwAuthenticate.ToString();
            Assert.Contains("Portico-ApiKey", challenge, StringComparison.Ordinal);
            Assert.Contains("Bearer", challenge, StringComparison.Ordinal);
        }

        // A bad token next to no key is reported as the bad token, not as missing credentials.
        using (var badToken = await TestRequests.GetAsync(gateway.Client, "/any", Bearer(token[..^10])))
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
        var before = Backend.Count;
        var token = fixture.Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());
        using var certificate = TestCertificates.CreateClient(fixture.Authority, "partner-a");
        var cert = Convert.ToBase64String(certificate.Export(X509ContentType.Cert));

        using (var tokenOnly = await TestRequests.GetAsync(gateway.Client, "/all", Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tokenOnly.StatusCode);
            Assert.Contains("Portico-ClientCertificate", tokenOnly.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var certOnly = await TestRequests.GetAsync(gateway.Client, "/all", ("X-ARR-ClientCert", cert)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, certOnly.StatusCode);
        }

        Assert.Equal(before, Backend.Count);
        using (var both = await TestRequests.GetAsync(gateway.Client, "/all", ("X-ARR-ClientCert", cert), Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        }

        var seen = Backend.LastRequest;
        Assert.Equal("mtls+jwt", seen.Header("X-Portico-Auth-Method"));
        Assert.Equal("CN=partner-a", seen.Header("X-Portico-Subject"));
        Assert.Equal("orders.read profile", seen.Header("X-Portico-Scopes"));
        Assert.Equal("Bearer " + token, seen.Header("Authorization"));
    }
}
