namespace Portico.Auth;

/// <summary>
/// Where an issuer's keys come from: fixed in the registry (<see cref="StaticIssuerKeys"/>), or fetched from its
/// discovery document or JWKS (<see cref="RemoteIssuerKeys"/>, which says why it is not IdentityModel's configuration manager).
/// </summary>
internal abstract class IssuerKeys
{
    /// <summary>The keys as they are now (null before the first successful fetch).</summary>
    public abstract IssuerKeySet? Current { get; }

    /// <summary>Makes sure keys for <paramref name="kid"/> are loaded if they can be (refreshing, throttled, on an unknown kid).</summary>
    public abstract ValueTask<KeyAvailability> EnsureAsync(string? kid, CancellationToken cancellationToken);
}
