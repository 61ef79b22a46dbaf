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
    public static string? Read(HttpRequest request, out bool malformed) =>
        TryRead(request, out malformed, out var credential) ? credential.Token : null;

    /// <summary>
    /// Finds the token in <c>Authorization</c> without copying it; false when there is none, and then
    /// <paramref name="malformed"/> as for <see cref="Read"/>.
    /// </summary>
    public static bool TryRead(HttpRequest request, out bool malformed, out BearerCredential credential)
    {
        malformed = false;
        credential = default;
        var values = request.Headers.Authorization;
        if (values.Count == 0)
        {
            return false;
        }

        if (values.Count > 1)
        {
            malformed = true;
            return false;
        }

        var value = values[0];
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false; // another scheme: not a credential this policy reads
        }

        var rest = value.AsSpan(Scheme.Length);
        var token = rest.Trim();
        if (token.IsEmpty || token.ContainsAny(' ', ','))
        {
            malformed = true;
            return false;
        }

        var leading = rest.Length - rest.TrimStart().Length;
        var canonical = token.Length == rest.Length && value.StartsWith(Scheme, StringComparison.Ordinal);
        credential = new BearerCredential(value, Scheme.Length + leading, token.Length, canonical);
        return true;
    }
}
