using System.Collections.Frozen;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portico.Auth;

/// <summary>One trusted issuer of a compiled <c>jwt</c> policy: its accepted algorithms, its validation parameters and its keys.</summary>
internal sealed class JwtIssuer
{
    public JwtIssuer(string issuer, IReadOnlyList<string> audiences, IReadOnlyList<string> algorithms, IssuerKeys keys, TimeSpan clockSkew, TimeProvider time)
    {
        Issuer = issuer;
        Keys = keys;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        ClockSkew = clockSkew;
        Time = time;
        Parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateIssuer = true,
            ValidAudiences = audiences,
            ValidateAudience = true,
            // Lifetime is checked by JwtPolicy on TimeProvider time, after the signature.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidAlgorithms = algorithms,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            ValidateWithLKG = false,
            SaveSigninToken = false,
            // Keys come only from the issuer's configured source; jku, x5u, jwk and x5c in the token are never used.
            IssuerSigningKeyResolver = (_, token, kid, _) =>
                keys.Current?.Resolve(string.IsNullOrEmpty(kid) ? null : kid, (token as JsonWebToken)?.Alg) ?? [],
        };
    }

    public string Issuer { get; }

    public TimeSpan ClockSkew { get; }

    public TimeProvider Time { get; }

    public IssuerKeys Keys { get; }

    /// <summary>Exact, case-sensitive algorithm names: <c>none</c>, <c>None</c> or <c>HS256</c> are never among them.</summary>
    public FrozenSet<string> Algorithms { get; }

    public TokenValidationParameters Parameters { get; }
}
