using Microsoft.AspNetCore.Http;

namespace Portico.Auth;

/// <summary>Reads an RFC 6750 §2.1 bearer token from <c>Authorization</c>. Tokens in the query or body are never read.</summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>
    /// The token, or null. <paramref name="malformed"/> is true when a Bearer header is there but unusable
    /// (empty, or the header repeated, which could smuggle a second credential past one check).
    /// </summary>
    public static string? Read(HttpRequest request, out bool malformed)
    {
        malformed = false;
        var values = request.Headers.Authorization;
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            malformed = true;
            return null;
        }

        var value = values[0];
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null; // another scheme: not a credential this policy reads
        }

        var token = value.AsSpan(Scheme.Length).Trim();
        if (token.IsEmpty || token.ContainsAny(' ', ','))
        {
            malformed = true;
            return null;
        }

        return token.Length == value.Length - Scheme.Length ? value[Scheme.Length..] : token.ToString();
    }
}
