using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Portico.Tests.Infrastructure;

/// <summary>Real X.509 certificates made in the test with <see cref="CertificateRequest"/>: CAs, client and server certificates.</summary>
public static class TestCertificates
{
    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var start = notBefore ?? TimeProvider.System.GetUtcNow().AddYears(-1);
        return request.CreateSelfSigned(start, start.AddYears(5));
    }

    /// <summary>A client certificate for <paramref name="subject"/> issued by <paramref name="issuer"/>, valid from/to the given times.</summary>
    public static X509Certificate2 CreateClient(X509Certificate2 issuer, string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = TimeProvider.System.GetUtcNow();
        var start = notBefore ?? now.AddHours(-1);
        var end = notAfter ?? now.AddDays(30);
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(issuer, start, end, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A TLS server certificate for 127.0.0.1 and localhost, self-signed.</summary>
    public static X509Certificate2 CreateServer()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
