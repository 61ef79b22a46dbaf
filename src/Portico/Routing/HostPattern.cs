using Microsoft.AspNetCore.Http;

namespace Portico.Routing;

/// <summary>One entry of a route's <c>hosts</c> list: an exact name or a <c>*.</c> suffix wildcard, with an optional port.</summary>
internal sealed class HostPattern
{
    private readonly string _host;
    private readonly bool _wildcard;
    private readonly int? _port;

    private HostPattern(string host, bool wildcard, int? port)
    {
        _host = host;
        _wildcard = wildcard;
        _port = port;
    }

    /// <summary>True for exact names, which rank above wildcards when two routes tie.</summary>
    public bool IsExact => !_wildcard;

    /// <summary>Parses a host entry; null with a reason when it is not one.</summary>
    public static HostPattern? TryParse(string text, out string? error)
    {
        error = null;
        var value = text.Trim();
        int? port = null;
        var colon = value.LastIndexOf(':');
        if (colon > 0 && !value.EndsWith(']'))
        {
            if (!int.TryParse(value.AsSpan(colon + 1), out var p) || p is < 1 or > 65535)
            {
                error = $"'{text}' has an invalid port";
                return null;
            }

            port = p;
            value = value[..colon];
        }

        var wildcard = value.StartsWith("*.", StringComparison.Ordinal);
        if (!value.Contains('[') && (!System.Text.Ascii.IsValid(value) || value.Contains("xn--", StringComparison.OrdinalIgnoreCase)))
        {
            // HttpRequest.Host decodes an internationalized name the client sent in its ASCII form (RFC 5890 A-labels,
            // "xn--…") to Unicode: compare in that form, whichever form the pattern was written in.
            try
            {
                var idn = new System.Globalization.IdnMapping();
                var suffix = wildcard ? value[2..] : value;
                value = (wildcard ? "*." : "") + idn.GetUnicode(idn.GetAscii(suffix));
            }
            catch (ArgumentException)
            {
                error = $"'{text}' is not a valid internationalized host name";
                return null;
            }
        }

        var name = wildcard ? value[1..] : value; // keep the leading dot for suffix matching
        var check = wildcard ? name[1..] : name;
        if (check.Length == 0 || Uri.CheckHostName(check) == UriHostNameType.Unknown || check.Contains('*'))
        {
            error = $"'{text}' is not a host name (use 'example.com', 'example.com:8443' or '*.example.com')";
            return null;
        }

        return new HostPattern(name, wildcard, port);
    }

    /// <summary>Whether the request's Host header matches.</summary>
    public bool Matches(HostString host)
    {
        if (_port is { } port && host.Port != port)
        {
            return false;
        }

        var name = host.Host.AsSpan();
        return _wildcard
            ? name.Length > _host.Length && name.EndsWith(_host, StringComparison.OrdinalIgnoreCase)
            : name.Equals(_host, StringComparison.OrdinalIgnoreCase);
    }
}
