namespace Portico.Configuration;

/// <summary>
/// The RFC 9110 §5.6.2 token: what method names (§9.1) and header field names (§5.1) are made of. The registry's
/// compilers check names with it, so a name a request could not carry is refused when the registry loads.
/// </summary>
internal static class HttpToken
{
    /// <summary>Whether <paramref name="value"/> is one or more token characters and nothing else.</summary>
    public static bool IsValid(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !"!#$%&'*+-.^_`|~".Contains(c))
            {
                return false;
            }
        }

        return true;
    }
}
