namespace Portico.Auth;

/// <summary>Keys given in the registry (a JWKS document or PEM public keys).</summary>
internal sealed class StaticIssuerKeys(IssuerKeySet keys) : IssuerKeys
{
    public override IssuerKeySet? Current => keys;

    public override ValueTask<KeyAvailability> EnsureAsync(string? kid, CancellationToken cancellationToken) =>
        ValueTask.FromResult(keys.Has(kid) ? KeyAvailability.Found : KeyAvailability.NotFound);
}
