namespace Portico.Cors;

/// <summary>
/// Reads an origin as the HTML standard serializes it for the <c>Origin</c> header: <c>scheme://host[:port]</c>, with no
/// user info, path, query or fragment. Anything else (the opaque origin <c>null</c> included) is not an origin any
/// allow list can grant.
/// </summary>
internal static class SerializedOrigin
{
    /// <summary>Splits <paramref name="text"/> into scheme, host and port (empty when absent); false when it is not a serialized origin.</summary>
    /// <param name="text">The value.</param>
    /// <param name="allowWildcardLabel">Whether the host may start with the <c>*.</c> of a configured pattern.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="host">The host (an IPv6 address keeps its brackets).</param>
    /// <param name="port">The port, or empty.</param>
    public static bool TryParse(ReadOnlySpan<char> text, bool allowWildcardLabel, out ReadOnlySpan<char> scheme, out ReadOnlySpan<char> host, out ReadOnlySpan<char> port)
    {
        scheme = host = port = default;
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        scheme = text[..separator];
        if (!char.IsAsciiLetter(scheme[0]) || scheme.ContainsAnyExcept(SchemeCharacters))
        {
            return false;
        }

        var authority = text[(separator + 3)..];
        if (authority.Length > 0 && authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0 || !System.Net.IPAddress.TryParse(authority[1..close], out _))
            {
                return false;
            }

            host = authority[..(close + 1)];
            authority = authority[(close + 1)..];
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            authority = colon < 0 ? default : authority[colon..];
            var labels = host;
            if (allowWildcardLabel && labels.StartsWith("*."))
            {
                labels = labels[2..];
            }

            if (!IsHostName(labels))
            {
                return false;
            }
        }

        if (authority.IsEmpty)
        {
            return true;
        }

        if (authority[0] != ':' || authority.Length is < 2 or > 6 || authority[1..].ContainsAnyExceptInRange('0', '9')
            || int.Parse(authority[1..], System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65535)
        {
            return false;
        }

        port = authority[1..];
        return true;
    }

    /// <summary>Dot-separated labels of letters, digits and hyphens, none empty.</summary>
    public static bool IsHostName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 253)
        {
            return false;
        }

        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.IsEmpty || label.Length > 63 || label.ContainsAnyExcept(LabelCharacters))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly System.Buffers.SearchValues<char> SchemeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    private static readonly System.Buffers.SearchValues<char> LabelCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
}
