using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portico.Auth;

/// <summary>
/// The configured identity-token keys of <see cref="GatewayTokenIssuer"/>: the ES256 signing key with its
/// IdentityModel credentials, and the JWKS of every verification key. A type of its own, made only when keys are
/// configured, so a gateway without identity tokens never loads IdentityModel at start (issue 25).
/// </summary>
internal sealed class IdentityTokenSigner : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly ECDsa? _key;
    private readonly SigningCredentials? _credentials;

    private IdentityTokenSigner(ECDsa? key, SigningCredentials? credentials, byte[] jwks)
    {
        _key = key;
        _credentials = credentials;
        Jwks = jwks;
    }

    /// <summary>Whether a signing key is configured (not only additional public keys).</summary>
    public bool CanSign => _credentials is not null;

    /// <summary>The JWKS document of the signing key's public half and the additional public keys.</summary>
    public byte[] Jwks { get; }

    /// <summary>Loads the signing key and the additional public keys of <paramref name="options"/>.</summary>
    public static IdentityTokenSigner Load(IdentityTokenOptions options)
    {
        ECDsa? signingKey = null;
        SigningCredentials? credentials = null;
        var publicKeys = new List<JsonWebKey>();
        if (options.SigningKey is { Length: > 0 } pem)
        {
            signingKey = GatewayTokenIssuer.LoadSigningKey(pem);
            var publicJwk = ToPublicJwk(signingKey);
            publicJwk.Kid = string.IsNullOrEmpty(options.KeyId) ? publicJwk.Kid : options.KeyId;
            credentials = new SigningCredentials(new ECDsaSecurityKey(signingKey) { KeyId = publicJwk.Kid }, SecurityAlgorithms.EcdsaSha256);
            publicKeys.Add(publicJwk);
        }

        foreach (var extra in options.AdditionalPublicKeys)
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(extra);
            publicKeys.Add(ToPublicJwk(key));
        }

        return new IdentityTokenSigner(signingKey, credentials, WriteJwks(publicKeys));
    }

    /// <summary>A signed token (<c>typ</c> JWT) with <paramref name="claims"/>, valid from <paramref name="now"/> to <paramref name="expires"/>.</summary>
    public string Sign(Dictionary<string, object> claims, string issuer, string audience, DateTime now, DateTime expires) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Claims = claims,
            SigningCredentials = _credentials ?? throw new InvalidOperationException("No identity token signing key is configured."),
            TokenType = "JWT",
        });

    public void Dispose() => _key?.Dispose();

    private static JsonWebKey ToPublicJwk(ECDsa key)
    {
        using var publicOnly = ECDsa.Create(key.ExportParameters(includePrivateParameters: false));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(publicOnly));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }

    private static byte[] WriteJwks(List<JsonWebKey> keys)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in keys)
            {
                writer.WriteStartObject();
                writer.WriteString("kty", "EC");
                writer.WriteString("crv", key.Crv);
                writer.WriteString("x", key.X);
                writer.WriteString("y", key.Y);
                writer.WriteString("kid", key.Kid);
                writer.WriteString("use", "sig");
                writer.WriteString("alg", "ES256");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
