namespace Portico.Cors;

/// <summary>
/// A compiled <c>allowOrigins</c>: exact origins, wildcard-subdomain patterns, or every origin. A request's origin is
/// granted only when it is a well-formed serialized origin, so a pattern can never be satisfied by a crafted string
/// (<c>https://evil.test#.example.com</c>).
/// </summary>
internal sealed class CorsOrigins
{
    private readonly HashSet<string> _exact;
    private readonly (string Scheme, string Suffix, string Port)[] _patterns;

    public CorsOrigins(bool any, HashSet<string> exact, (string Scheme, string Suffix, string Port)[] patterns)
    {
        Any = any;
        _exact = exact;
        _patterns = patterns;
    }

    /// <summary>Whether every origin is allowed (<c>*</c>).</summary>
    public bool Any { get; }

    /// <summary>Whether <paramref name="origin"/> may read the route's responses.</summary>
    public bool Allows(string origin)
    {
        if (!SerializedOrigin.TryParse(origin, allowWildcardLabel: false, out var scheme, out var host, out var port))
        {
            return false;
        }

        if (Any || _exact.Contains(origin))
        {
            return true;
        }

        foreach (var (patternScheme, suffix, patternPort) in _patterns)
        {
            // *.example.com: one or more labels before ".example.com", never "example.com" itself.
            if (host.Length > suffix.Length
                && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && scheme.Equals(patternScheme, StringComparison.OrdinalIgnoreCase)
                && port.SequenceEqual(patternPort))
            {
                return true;
            }
        }

        return false;
    }
}
