using System.Security.Cryptography;
using Microsoft.Extensions.Options;
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
    private readonly IdentityTokenSigner? _signer;
    private readonly IdentityTokenOptions _options;
    private readonly TimeProvider _time;

    public GatewayTokenIssuer(IOptions<PorticoOptions> options, TimeProvider time)
    {
        _options = options.Value.Auth.IdentityToken;
        _time = time;
        // The keys (and IdentityModel with them) only when configured: its assemblies stay out of start-up (issue 25).
        if (_options.SigningKey is { Length: > 0 } || _options.AdditionalPublicKeys.Count > 0)
        {
            _signer = IdentityTokenSigner.Load(_options);
            Jwks = _signer.Jwks;
        }
        else
        {
            Jwks = """{"keys":[]}"""u8.ToArray();
        }
    }

    /// <summary>Whether a signing key is configured.</summary>
    public bool IsConfigured => _signer is { CanSign: true };

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

        if (_signer is not { CanSign: true } signer)
        {
            throw new InvalidOperationException("No identity token signing key is configured.");
        }

        return signer.Sign(claims, _options.Issuer, audience, now, now + _options.Lifetime);
    }

    public void Dispose() => _signer?.Dispose();
}
