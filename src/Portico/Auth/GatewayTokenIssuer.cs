using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Hosting;
using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// Signs the short-lived identity tokens (ES256, RFC 7518 §3.4) that routes with <c>identityToken</c> send upstream,
/// and publishes the verification keys as a JWKS (RFC 7517) at <c>{EndpointPrefix}/.well-known/jwks.json</c>, so a
/// backend can check that a request came through the gateway and whom it was for.
/// </summary>
internal sealed class GatewayTokenIssuer : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly ECDsa? _key;
    private readonly SigningCredentials? _credentials;
    private readonly IdentityTokenOptions _options;
    private readonly TimeProvider _time;

    public GatewayTokenIssuer(IOptions<PorticoOptions> options, TimeProvider time)
    {
        _options = options.Value.Auth.IdentityToken;
        _time = time;
        var publicKeys = new List<JsonWebKey>();
        if (_options.SigningKey is { Length: > 0 } pem)
        {
            _key = LoadSigningKey(pem);
            var publicJwk = ToPublicJwk(_key);
            publicJwk.Kid = string.IsNullOrEmpty(_options.KeyId) ? publicJwk.Kid : _options.KeyId;
            _credentials = new SigningCredentials(new ECDsaSecurityKey(_key) { KeyId = publicJwk.Kid }, SecurityAlgorithms.EcdsaSha256);
            publicKeys.Add(publicJwk);
        }

        foreach (var extra in _options.AdditionalPublicKeys)
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(extra);
            publicKeys.Add(ToPublicJwk(key));
        }

        Jwks = WriteJwks(publicKeys);
    }

    /// <summary>Whether a signing key is configured.</summary>
    public bool IsConfigured => _credentials is not null;

    /// <summary>The JWKS document served to backends.</summary>
    public byte[] Jwks { get; }

    /// <summary>Loads a P-256 private key from PEM; throws <see cref="ArgumentException"/> or <see cref="CryptographicException"/>.</summary>
    public static ECDsa LoadSigningKey(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException("the identity token key must be a P-256 (ES256) key");
        }

        _ = key.ExportParameters(includePrivateParameters: true); // throws when only a public key was given
        return key;
    }

    /// <summary>A token for one forwarded request, valid for the configured lifetime from now.</summary>
    public string Issue(GatewayIdentity identity, string audience, string routeId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["auth_method"] = identity.Method,
            ["route"] = routeId,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (identity.Subject is { } subject)
        {
            claims["sub"] = subject;
        }

        if (identity.ConsumerId is { } consumer)
        {
            claims["consumer_id"] = consumer;
        }

        if (identity.Scopes.Count > 0)
        {
            claims["scope"] = string.Join(' ', identity.Scopes);
        }

        if (identity.Roles.Count > 0)
        {
            var roles = new string[identity.Roles.Count];
            for (int i = 0; i < roles.Length; i++)
            {
                roles[i] = identity.Roles[i];
            }

            claims["roles"] = roles;
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.Lifetime,
            Claims = claims,
            SigningCredentials = _credentials ?? throw new InvalidOperationException("No identity token signing key is configured."),
            TokenType = "JWT",
        });
    }

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
