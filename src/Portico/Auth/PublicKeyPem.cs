using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace Portico.Auth;

/// <summary>
/// Reads an issuer's PEM public key or certificate (<c>jwt.issuers[].publicKeys</c>) into a JSON Web Key whose
/// <c>kid</c> is its RFC 7638 thumbprint. Private keys are refused: a public key is all the gateway needs.
/// </summary>
internal static class PublicKeyPem
{
    /// <summary>The key in <paramref name="pem"/>; null when it is not an RSA or EC public key or certificate.</summary>
    public static JsonWebKey? ToJsonWebKey(string pem)
    {
        try
        {
            if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return null; // a public key is all the gateway needs; refuse to hold a private one
            }

            if (pem.Contains("CERTIFICATE", StringComparison.Ordinal))
            {
                using var certificate = X509Certificate2.CreateFromPem(pem);
                using var rsaKey = certificate.GetRSAPublicKey();
                using var ecKey = certificate.GetECDsaPublicKey();
                return rsaKey is not null ? Jwk(rsaKey) : ecKey is not null ? Jwk(ecKey) : null;
            }

            try
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return Jwk(rsa);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return Jwk(ec);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    private static JsonWebKey Jwk(RSA rsa)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }

    private static JsonWebKey Jwk(ECDsa ec)
    {
        using var copy = ECDsa.Create(ec.ExportParameters(false));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(copy));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }
}
