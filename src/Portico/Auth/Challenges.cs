namespace Portico.Auth;

/// <summary>
/// <c>WWW-Authenticate</c> challenges. A 401 must carry one (RFC 9110 §11.6.1). Bearer challenges follow RFC 6750
/// §3: no error code when no token was sent, <c>invalid_token</c> when one was and failed, <c>insufficient_scope</c>
/// (on 403) with the scopes needed. API keys and client certificates use Portico's own scheme names.
/// </summary>
internal static class Challenges
{
    public static string Bearer(string realm) => $"Bearer realm=\"{realm}\"";

    public static string BearerInvalid(string realm) => $"Bearer realm=\"{realm}\", error=\"invalid_token\"";

    public static string BearerInsufficientScope(string realm, string scopes) =>
        $"Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{scopes}\"";

    public static string ApiKey(string realm, string header) => $"Portico-ApiKey realm=\"{realm}\", header=\"{header}\"";

    public static string ClientCertificate(string realm) => $"Portico-ClientCertificate realm=\"{realm}\"";
}
