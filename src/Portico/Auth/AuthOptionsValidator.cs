using System.Security.Cryptography;
using Portico.Configuration;
using Portico.Hosting;

namespace Portico.Auth;

/// <summary>Rejects authentication settings that cannot work, at start-up, naming the setting (never echoing a key).</summary>
internal sealed class AuthOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var auth = options.Auth;
        if (string.IsNullOrWhiteSpace(auth.Realm) || auth.Realm.Contains('"') || auth.Realm.Contains('\\'))
        {
            errors.Add("Portico:Auth:Realm must be a plain non-empty string without quotes.");
        }

        var keys = auth.ApiKeys;
        if (keys.CacheDuration < TimeSpan.Zero || keys.CacheDuration > TimeSpan.FromMinutes(10))
        {
            errors.Add("Portico:Auth:ApiKeys:CacheDuration must be between 0 and 10 minutes (it bounds how long a revoked key keeps working).");
        }

        if (keys.NegativeCacheDuration < TimeSpan.Zero || keys.NegativeCacheDuration > keys.CacheDuration)
        {
            errors.Add("Portico:Auth:ApiKeys:NegativeCacheDuration must be between 0 and CacheDuration.");
        }

        if (keys.LookupTimeout <= TimeSpan.Zero || keys.LookupTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Portico:Auth:ApiKeys:LookupTimeout must be between 0 and 30 seconds.");
        }

        if (!Storage.Tables.TableStorage.IsTableName(keys.TableName))
        {
            errors.Add($"Portico:Auth:ApiKeys:TableName '{keys.TableName}' is not a table name (3 to 63 letters and digits, starting with a letter).");
        }

        if (keys.MaxCachedKeys < 1)
        {
            errors.Add("Portico:Auth:ApiKeys:MaxCachedKeys must be at least 1.");
        }

        if (auth.KeyFetchTimeout <= TimeSpan.Zero || auth.KeyFetchTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add("Portico:Auth:KeyFetchTimeout must be between 0 and 60 seconds.");
        }

        if (!HttpToken.IsValid(auth.ClientCertificates.ForwardedHeaderName))
        {
            errors.Add("Portico:Auth:ClientCertificates:ForwardedHeaderName must be a header name.");
        }

        var headers = auth.IdentityHeaders;
        foreach (var (setting, value) in new[] { ("Consumer", headers.Consumer), ("Subject", headers.Subject), ("Scopes", headers.Scopes), ("Roles", headers.Roles), ("Method", headers.Method), ("Token", headers.Token) })
        {
            if (!HttpToken.IsValid(value))
            {
                errors.Add($"Portico:Auth:IdentityHeaders:{setting} must be a header name suffix.");
            }
        }

        var token = auth.IdentityToken;
        if (token.Lifetime <= TimeSpan.Zero || token.Lifetime > TimeSpan.FromMinutes(10))
        {
            errors.Add("Portico:Auth:IdentityToken:Lifetime must be between 0 and 10 minutes.");
        }

        if (token.SigningKey is { Length: > 0 } pem)
        {
            try
            {
                GatewayTokenIssuer.LoadSigningKey(pem).Dispose();
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                errors.Add("Portico:Auth:IdentityToken:SigningKey must be a PEM P-256 private key.");
            }
        }

        for (int i = 0; i < token.AdditionalPublicKeys.Count; i++)
        {
            try
            {
                using var key = ECDsa.Create();
                key.ImportFromPem(token.AdditionalPublicKeys[i]);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                errors.Add($"Portico:Auth:IdentityToken:AdditionalPublicKeys:{i} must be a PEM EC public key.");
            }
        }
    }
}
