using System.Net;
using System.Security.Cryptography.X509Certificates;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Auth;

/// <summary><c>portico serve --certificate … --client-certificates allow</c> as a real process.</summary>
public sealed class ServeMtlsTests
{
    [Fact]
    public async Task Serve_HttpsWithClientCertificates_AuthenticatesThroughTheMtlsPolicy()
    {
        using var directory = new TempDirectory();
        using var authority = TestCertificates.CreateAuthority("Partner CA");
        using var pinnedAuthority = TestCertificates.CreateAuthority("Pinned");
        using var pinned = TestCertificates.CreateClient(pinnedAuthority, "pinned-client");
        using var server = TestCertificates.CreateServer();
        var pem = directory.File("server.pem");
        var key = directory.File("server.key");
        await File.WriteAllTextAsync(pem, server.ExportCertificatePem());
        await File.WriteAllTextAsync(key, server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var backend = await TestBackend.StartAsync();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, MtlsTests.Registry(backend.Url, authority, pinned));

        await using var gateway = GatewayProcess.Start(
            "serve", "--config", config, "--urls", "https://127.0.0.1:0", "--certificate", pem, "--certificate-key", key, "--client-certificates", "allow");
        var url = await gateway.WaitUntilListeningAsync();

        using var certificate = TestCertificates.CreateClient(authority, "partner-a");
        using (var client = MtlsTests.TlsClient(url, certificate))
        using (var response = await client.GetAsync("/partners"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var anonymous = MtlsTests.TlsClient(url, null))
        using (var response = await anonymous.GetAsync("/partners"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(1, backend.Count);
        Assert.Equal("partner-a", backend.LastRequest.Header("X-Portico-Consumer"));
    }

    [Fact]
    public async Task Serve_ClientCertificatesWithoutAServerCertificate_ExitsTwo()
    {
        var (code, _, error) = await PorticoCli.RunAsync("serve", "--demo", "--client-certificates", "require");
        Assert.Equal(2, code);
        Assert.Contains("--certificate", error, StringComparison.Ordinal);
    }
}
