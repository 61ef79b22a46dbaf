using Microsoft.IdentityModel.Tokens;

namespace Portico.Auth;

/// <summary>
/// One issuer's signature verification keys, indexed by <c>kid</c>. Only RSA and EC keys meant for signatures are
/// kept: an <c>oct</c> (HMAC) key is never usable, so an HMAC-signed token cannot be checked against a public key.
/// </summary>
internal sealed class IssuerKeySet
{
    private readonly Dictionary<string, JsonWebKey[]> _byKid;

    public IssuerKeySet(IEnumerable<JsonWebKey> keys)
    {
        All = [.. keys.Where(k => (k.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve) && k.Use is null or "" or "sig")];
        _byKid = All.Where(k => !string.IsNullOrEmpty(k.Kid)).GroupBy(k => k.Kid, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public JsonWebKey[] All { get; }

    public int Count => All.Length;

    /// <summary>Whether a token with <paramref name="kid"/> (null: none) has a candidate key.</summary>
    public bool Has(string? kid) => kid is null ? All.Length > 0 : _byKid.ContainsKey(kid);

    /// <summary>The keys that may verify a token signed with <paramref name="alg"/> under <paramref name="kid"/>.</summary>
    public IEnumerable<SecurityKey> Resolve(string? kid, string? alg)
    {
        var candidates = string.IsNullOrEmpty(kid) ? All : _byKid.TryGetValue(kid, out var found) ? found : [];
        var kty = alg is null ? null
            : alg.StartsWith("RS", StringComparison.Ordinal) || alg.StartsWith("PS", StringComparison.Ordinal) ? JsonWebAlgorithmsKeyTypes.RSA
            : alg.StartsWith("ES", StringComparison.Ordinal) ? JsonWebAlgorithmsKeyTypes.EllipticCurve
            : null;
        if (kty is null)
        {
            return [];
        }

        var result = new List<SecurityKey>(candidates.Length);
        foreach (var key in candidates)
        {
            // A key that declares its algorithm is used with that algorithm only (RFC 7517 §4.4).
            if (key.Kty == kty && (string.IsNullOrEmpty(key.Alg) || key.Alg == alg))
            {
                result.Add(key);
            }
        }

        return result;
    }
}
