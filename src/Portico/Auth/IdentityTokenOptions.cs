namespace Portico.Auth;

/// <summary>
/// The gateway's own ES256 signing key for identity tokens. In Azure, set <see cref="SigningKey"/> as a Key Vault
/// reference app setting (<c>@Microsoft.KeyVault(SecretUri=…)</c>); the platform resolves it with the app's identity.
/// </summary>
public sealed class IdentityTokenOptions
{
    /// <summary>PEM of the P-256 private key (<c>EC PRIVATE KEY</c> or <c>PRIVATE KEY</c>). Routes with <c>identityToken</c> need it.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>kid</c>; default the key's RFC 7638 thumbprint.</summary>
    public string? KeyId { get; set; }

    /// <summary>PEM public keys also published in the JWKS (the previous key while backends roll over).</summary>
    public List<string> AdditionalPublicKeys { get; set; } = [];

    /// <summary>The <c>iss</c> of identity tokens. Default <c>portico</c>.</summary>
    public string Issuer { get; set; } = "portico";

    /// <summary>How long an identity token is valid. Default 60 s.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);
}
