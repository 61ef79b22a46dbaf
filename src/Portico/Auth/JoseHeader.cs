using System.Buffers.Text;
using System.Text.Json;

namespace Portico.Auth;

/// <summary>
/// Inspects a JWS protected header for what the token library does not refuse by itself: a <c>crit</c> member
/// (RFC 7515 §4.1.11: a recipient must reject a token whose critical extensions it does not understand, and Portico
/// understands none) and duplicate member names (RFC 7515 §4: must be rejected or only the last taken; rejecting is safer).
/// </summary>
internal static class JoseHeader
{
    private const int MaxHeaderBytes = 2048;

    /// <summary>Null when the header is acceptable; otherwise the reason for metrics.</summary>
    public static string? Check(string encodedHeader)
    {
        if (encodedHeader.Length > MaxHeaderBytes * 4 / 3 + 4)
        {
            return "header-too-large";
        }

        Span<byte> json = stackalloc byte[MaxHeaderBytes];
        if (Base64Url.DecodeFromChars(encodedHeader, json, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return "malformed";
        }

        try
        {
            var reader = new Utf8JsonReader(json[..written]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "malformed";
            }

            Span<ulong> seen = stackalloc ulong[16];
            int count = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("crit"u8))
                {
                    return "crit";
                }

                var hash = Fnv(reader.ValueSpan);
                for (int i = 0; i < count; i++)
                {
                    if (seen[i] == hash)
                    {
                        return "duplicate-header";
                    }
                }

                if (count == seen.Length)
                {
                    return "header-too-large";
                }

                seen[count++] = hash;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return "malformed";
        }

        return null;
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash;
    }
}
