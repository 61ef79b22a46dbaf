namespace Portico.Auth;

/// <summary>Gateway settings for authentication (<c>Portico:Auth:*</c>); registry policies hold the rest.</summary>
public sealed class AuthOptions
{
    /// <summary>The realm named in <c>WWW-Authenticate</c> challenges. Default <c>portico</c>.</summary>
    public string Realm { get; set; } = "portico";

    /// <summary>Where API keys issued in Table mode live and how long lookups are cached.</summary>
    public ApiKeyStoreOptions ApiKeys { get; set; } = new();

    /// <summary>How client certificates reach the gateway.</summary>
    public ClientCertificateOptions ClientCertificates { get; set; } = new();

    /// <summary>Names of the identity headers sent upstream, after <c>Portico:IdentityHeaderPrefix</c>.</summary>
    public IdentityHeaderOptions IdentityHeaders { get; set; } = new();

    /// <summary>The gateway-signed identity token some routes send upstream.</summary>
    public IdentityTokenOptions IdentityToken { get; set; } = new();

    /// <summary>Longest wait for an issuer's discovery document or JWKS. Default 10 s.</summary>
    public TimeSpan KeyFetchTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
