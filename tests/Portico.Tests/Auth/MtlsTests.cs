using System.Net;
using System.Security.Cryptography.X509Certificates;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Auth;

/// <summary>
/// Mutual TLS through <c>portico serve</c>'s HTTPS listener with client certificates requested: certificates made in
/// the test with <see cref="System.Security.Cryptography.X509Certificates.CertificateRequest"/>, chained to a CA or
/// pinned by thumbprint, mapped to consumers.
/// </summary>
public sealed class MtlsTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private X509Certificate2 _authority = null!;
    private X509Certificate2 _pinned = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private string _serverPfx = "";

    public async Task InitializeAsync()
    {
        _authority = TestCertificates.CreateAuthority("Partner CA");
        using var selfSignedAuthority = TestCertificates.CreateAuthority("Pinned Self-Signed");
        _pinned = TestCertificates.CreateClient(selfSignedAuthority, "pinned-client");
        using var server = TestCertificates.CreateServer();
        _serverPfx = _directory.File("server.pfx");
        await File.WriteAllBytesAsync(_serverPfx, server.Export(X509ContentType.Pkcs12));
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync(Registry(_backend.Url, _authority, _pinned), new Dictionary<string, string?>
        {
            ["Portico:Serve:Certificate:Path"] = _serverPfx,
            ["Portico:Serve:ClientCertificates"] = "allow",
        }, urls: "https://127.0.0.1:0");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        _authority.Dispose();
        _pinned.Dispose();
        _directory.Dispose();
    }

    internal static string Registry(string backendUrl, X509Certificate2 authority, X509Certificate2 pinned) => $$"""
    {
      "backends": [ { "id": "api", "url": {{J(backendUrl)}} } ],
      "consumers": [ { "id": "partner-a" }, { "id": "pinned" } ],
      "authPolicies": [
        { "id": "partners", "type": "mtls", "mtls": { "caCertificates": [ {{J(TestCertificates.Pem(authority))}} ], "consumers": { "CN=partner-a": "partner-a" } } },
        { "id": "pins", "type": "mtls", "mtls": { "thumbprints": [ "{{TestCertificates.Thumbprint(pinned)}}" ], "consumers": { "{{TestCertificates.Thumbprint(pinned)}}": "pinned" } } }
      ],
      "routes": [
        { "id": "partners", "auth": "partners", "match": { "path": "/partners" }, "backend": "api" },
        { "id": "pins", "auth": "pins", "match": { "path": "/pins" }, "backend": "api" },
        { "id": "open", "auth": "anonymous", "match": { "path": "/open" }, "backend": "api" }
      ]
    }
    """;

    internal static HttpClient TlsClient(string url, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true; // the test's own self-signed server
        if (clientCertificate is not null)
        {
            // Through PKCS#12 so the private key is usable by the TLS stack.
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(clientCertificate.Export(X509ContentType.Pkcs12), null)];
        }

        return new HttpClient(handler) { BaseAddress = new Uri(url) };
    }

    [Fact]
    public async Task Mtls_CertificateFromTheTrustedCa_PassesMappedToItsConsumer()
    {
        using var certificate = TestCertificates.CreateClient(_authority, "partner-a");
        using var client = TlsClient(_gateway.Url, certificate);

        using var response = await client.GetAsync("/partners");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = _backend.LastRequest;
        Assert.Equal("partner-a", seen.Header("X-Portico-Consumer"));
        Assert.Equal("CN=partner-a", seen.Header("X-Portico-Subject"));
        Assert.Equal("mtls", seen.Header("X-Portico-Auth-Method"));
    }

    [Fact]
    public async Task Mtls_PinnedThumbprint_PassesWithoutAChain()
    {
        using var client = TlsClient(_gateway.Url, _pinned);
        using var response = await client.GetAsync("/pins");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pinned", _backend.LastRequest.Header("X-Portico-Consumer"));
    }

    [Fact]
    public async Task Mtls_CertificateOfAnotherCa_Is401()
    {
        using var other = TestCertificates.CreateAuthority("Other CA");
        using var certificate = TestCertificates.CreateClient(other, "partner-a");
        using var client = TlsClient(_gateway.Url, certificate);

        using var response = await client.GetAsync("/partners");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "invalid-client-certificate");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Mtls_NoCertificate_Is401ButAnonymousRoutesStillServe()
    {
        using var client = TlsClient(_gateway.Url, null);
        using (var response = await client.GetAsync("/partners"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "authentication-required");
            Assert.Contains("Portico-ClientCertificate", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var open = await client.GetAsync("/open"))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }
    }

    [Fact]
    public async Task Mtls_ForwardedCertificateHeaderNotTrustedByDefault_IsIgnored()
    {
        using var certificate = TestCertificates.CreateClient(_authority, "partner-a");
        using var client = TlsClient(_gateway.Url, null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/partners");
        request.Headers.TryAddWithoutValidation("X-ARR-ClientCert", Convert.ToBase64String(certificate.Export(X509ContentType.Cert)));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "authentication-required");
        Assert.Equal(0, _backend.Count);
    }
}
