using System.Collections.Frozen;
using Portico.Auth;
using Portico.Pipeline;

namespace Portico.Admin;

/// <summary>
/// The admin keys of the gateway settings, by key id, each as its SHA-256 hash and the identity it stands for.
/// Keys have the consumer API key format (<see cref="ApiKeyFormat"/>) and are compared in constant time.
/// </summary>
internal sealed class AdminKeys
{
    /// <summary>The method recorded for callers that present an admin key.</summary>
    public const string Method = "adminKey";

    private static readonly byte[] NoHash = new byte[32];

    private readonly FrozenDictionary<string, (byte[] Hash, GatewayIdentity Identity)> _keys;

    public AdminKeys(IReadOnlyDictionary<string, AdminKeyOptions> keys)
    {
        _keys = keys.ToFrozenDictionary(
            k => k.Key,
            k => (Convert.FromHexString(k.Value.Hash), new GatewayIdentity { Subject = k.Key, Method = Method }),
            StringComparer.Ordinal);
    }

    public bool IsEmpty => _keys.Count == 0;

    /// <summary>Whether <paramref name="credential"/> has the shape of a key (so a bearer value is taken for one, not for a token).</summary>
    public static bool LooksLikeKey(string credential) =>
        credential.Length == ApiKeyFormat.KeyLength && credential.StartsWith(ApiKeyFormat.Prefix, StringComparison.Ordinal);

    /// <summary>The identity of a valid admin key, or null.</summary>
    public GatewayIdentity? Verify(string key)
    {
        if (ApiKeyFormat.IdOf(key) is not { } id)
        {
            return null;
        }

        // An unknown id still costs one hash and comparison, so timing does not tell which ids exist.
        var known = _keys.TryGetValue(id, out var entry);
        var matches = ApiKeyFormat.Matches(key, known ? entry.Hash : NoHash);
        return known && matches ? entry.Identity : null;
    }
}
