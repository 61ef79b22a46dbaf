namespace Portico.Configuration;

/// <summary>
/// One trusted token issuer and where its signing keys come from: exactly one of <see cref="DiscoveryUrl"/>,
/// <see cref="JwksUrl"/>, <see cref="Jwks"/> or <see cref="PublicKeys"/>. Keys never come from the token itself.
/// </summary>
public sealed record JwtIssuerDefinition
{
    /// <summary>The exact <c>iss</c> value.</summary>
    public required string Issuer { get; init; }

    /// <summary>Accepted <c>aud</c> values; the token must name at least one.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>Accepted signature algorithms (asymmetric only). Default <c>RS256</c> and <c>ES256</c>.</summary>
    public IReadOnlyList<string>? Algorithms { get; init; }

    /// <summary>OpenID Connect discovery document URL (<c>…/.well-known/openid-configuration</c>).</summary>
    public string? DiscoveryUrl { get; init; }

    /// <summary>JWKS URL, when the issuer publishes keys without discovery.</summary>
    public string? JwksUrl { get; init; }

    /// <summary>Static keys: a JWKS document (<c>{"keys": [...]}</c>).</summary>
    public System.Text.Json.JsonElement? Jwks { get; init; }

    /// <summary>Static keys: PEM public keys or certificates.</summary>
    public IReadOnlyList<string>? PublicKeys { get; init; }

    /// <summary>How often fetched keys are refreshed. Default <c>1h</c>.</summary>
    public string? RefreshInterval { get; init; }

    /// <summary>Least time between two fetches, however many unknown key ids arrive. Default <c>5m</c>.</summary>
    public string? MinRefreshInterval { get; init; }

    /// <summary>Whether fetched URLs must use https. Default true.</summary>
    public bool? RequireHttps { get; init; }
}
