using System.Buffers;

namespace Portico.Configuration;

/// <summary>What an HTTP header value written by Portico may contain.</summary>
/// <remarks>
/// RFC 9110 §5.5 allows visible ASCII, spaces and tabs (and obsolete non-ASCII text, which Kestrel and HttpClient refuse
/// by default). A configured value outside that set would be accepted by validation and then fail on every request
/// (issue 22), and a value built from request data would fail that request: both are checked with this one rule.
/// </remarks>
public static class HttpFieldValue
{
    private static readonly SearchValues<char> Allowed = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Whether <paramref name="value"/> can be sent as a header value as it is.</summary>
    public static bool IsValid(ReadOnlySpan<char> value) => !value.ContainsAnyExcept(Allowed);

    /// <summary>Why <paramref name="value"/> cannot be sent, or null when it can.</summary>
    public static string? Problem(string value)
    {
        var index = value.AsSpan().IndexOfAnyExcept(Allowed);
        if (index < 0)
        {
            return null;
        }

        var c = value[index];
        return c is '\r' or '\n' ? "contains a line break"
            : c >= 0x80 ? $"contains the non-ASCII character '{c}' (HTTP header values are ASCII; percent-encode it or use a plain-ASCII value)"
            : $"contains the control character U+{(int)c:X4}";
    }
}
