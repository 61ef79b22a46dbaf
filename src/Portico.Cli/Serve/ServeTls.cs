using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;

namespace Portico.Cli.Serve;

/// <summary>
/// HTTPS for <c>portico serve</c>: the server certificate (a PFX, or PEM certificate and key) and whether Kestrel asks
/// for client certificates. Kestrel accepts any client certificate at the TLS layer; the route's <c>mtls</c> policy
/// decides whether it is trusted, so a route without one is not affected and the error is a problem answer, not a
/// failed handshake.
/// </summary>
internal static class ServeTls
{
    public const string CertificatePath = "Portico:Serve:Certificate:Path";
    public const string CertificateKeyPath = "Portico:Serve:Certificate:KeyPath";
    public const string CertificatePassword = "Portico:Serve:Certificate:Password";
    public const string ClientCertificates = "Portico:Serve:ClientCertificates";

    public static void Configure(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var path = configuration[CertificatePath];
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var certificate = Load(path, configuration[CertificateKeyPath], configuration[CertificatePassword]);
        var mode = Mode(configuration[ClientCertificates]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificate;
            https.ClientCertificateMode = mode;
            https.ClientCertificateValidation = (_, _, _) => true; // validated per route by the mtls policy
            https.CheckCertificateRevocation = false;
        }));
    }

    /// <summary>Parses the client certificate mode: none (default), allow or require.</summary>
    public static ClientCertificateMode Mode(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "none" => ClientCertificateMode.NoCertificate,
        "allow" => ClientCertificateMode.AllowCertificate,
        "require" => ClientCertificateMode.RequireCertificate,
        _ => throw new ArgumentException($"--client-certificates must be none, allow or require, not '{value}'."),
    };

    private static X509Certificate2 Load(string path, string? keyPath, string? password)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"the server certificate {path} does not exist.");
        }

        try
        {
            if (keyPath is not null || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
            {
                using var pem = X509Certificate2.CreateFromPemFile(path, keyPath);
                // Re-import so the private key is usable by TLS on every platform.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // A wrong password, a file that is not a certificate, or a PEM certificate without its key.
            throw new ArgumentException($"the server certificate {path} cannot be loaded: {ex.Message} (a PFX with its password in PORTICO_CERTIFICATE_PASSWORD, or a PEM certificate with --certificate-key)", ex);
        }
    }
}
