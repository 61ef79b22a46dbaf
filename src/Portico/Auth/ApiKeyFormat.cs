using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Portico.Auth;

/// <summary>
/// The API key format <c>pk_{id}_{secret}</c>: a 12-character non-secret id (the lookup prefix, 60 random bits)
/// and a 43-character secret (256 random bits, base64url). Only the SHA-256 of the whole key is stored. A plain
/// hash is enough here, unlike for passwords: with 256 random bits there is nothing to guess or precompute, so
/// salting or a slow hash would cost every request and protect nothing.
/// </summary>
internal static class ApiKeyFormat
{
    public const string Prefix = "pk_";
    public const int IdLength = 12;
    public const int SecretLength = 43;
    public const int KeyLength = 3 + IdLength + 1 + SecretLength;
    private const string IdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // 32 symbols, no look-alikes

    /// <summary>Makes a new key and its id.</summary>
    public static (string Key, string Id) Generate()
    {
        Span<byte> random = stackalloc byte[IdLength];
        RandomNumberGenerator.Fill(random);
        Span<char> id = stackalloc char[IdLength];
        for (int i = 0; i < IdLength; i++)
        {
            id[i] = IdAlphabet[random[i] & 31];
        }

        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        var idText = new string(id);
        return ($"{Prefix}{idText}_{Base64Url.EncodeToString(secret)}", idText);
    }

    /// <summary>The key id of <paramref name="key"/>, or null when it does not have the key's shape.</summary>
    public static string? IdOf(string key)
    {
        if (key.Length != KeyLength || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
        {
            return null;
        }

        var id = key.AsSpan(Prefix.Length, IdLength);
        foreach (var c in id)
        {
            if (!IdAlphabet.Contains(c))
            {
                return null;
            }
        }

        foreach (var c in key.AsSpan(Prefix.Length + IdLength + 1))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return null;
            }
        }

        return id.ToString();
    }

    /// <summary>Whether <paramref name="id"/> could be a key id (for registry validation).</summary>
    public static bool IsValidId(string id) => id.Length == IdLength && id.All(IdAlphabet.Contains);

    /// <summary>Lowercase hex SHA-256 of the key, the stored form.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares the key's hash with a stored one in constant time.</summary>
    public static bool Matches(string key, ReadOnlySpan<byte> storedHash)
    {
        Span<byte> utf8 = stackalloc byte[KeyLength];
        var written = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..written], hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }
}
