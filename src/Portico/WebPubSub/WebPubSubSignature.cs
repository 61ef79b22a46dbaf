using System.Security.Cryptography;
using System.Text;

namespace Portico.WebPubSub;

/// <summary>
/// The <c>ce-signature</c> of a Web PubSub event: <c>sha256={hex}</c> for each access key, comma-separated, where
/// <c>hex</c> is HMAC-SHA256 of the connection id keyed with the access key (the service signs with its primary and its
/// secondary key, so a key can be rotated without refusing events). An event is genuine when one of its signatures
/// matches one of the configured keys; the comparison takes the same time whatever the bytes.
/// </summary>
internal static class WebPubSubSignature
{
    private const string Prefix = "sha256=";

    /// <summary>Whether <paramref name="header"/> holds a signature of <paramref name="connectionId"/> by one of <paramref name="keys"/>.</summary>
    public static bool IsValid(string? header, string connectionId, IReadOnlyList<byte[]> keys)
    {
        if (string.IsNullOrEmpty(header) || keys.Count == 0 || header.Length > 1024)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var data = Encoding.UTF8.GetBytes(connectionId);
        var valid = false;
        foreach (var range in header.AsSpan().Split(','))
        {
            var part = header.AsSpan()[range].Trim();
            if (!part.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
                || part.Length != Prefix.Length + 2 * HMACSHA256.HashSizeInBytes
                || Convert.FromHexString(part[Prefix.Length..], given, out _, out var written) != System.Buffers.OperationStatus.Done
                || written != given.Length)
            {
                continue;
            }

            foreach (var key in keys)
            {
                HMACSHA256.HashData(key, data, expected);
                valid |= CryptographicOperations.FixedTimeEquals(expected, given);
            }
        }

        return valid;
    }
}
