namespace Portico.Auth;

/// <summary>A route's compiled authentication and authorization settings.</summary>
internal sealed class RouteAuth(AuthPolicy policy, AuthorizationRequirements? authorization, bool? forwardAuthorization, bool apiKeyInQuery, bool identityToken)
{
    /// <summary>An anonymous route without requirements: what routes get before their auth settings are compiled.</summary>
    public static readonly RouteAuth Anonymous = new(AnonymousPolicy.Instance, null, null, false, false);

    public AuthPolicy Policy { get; } = policy;

    public bool IsAnonymous { get; } = ReferenceEquals(policy, AnonymousPolicy.Instance);

    /// <summary>What the caller must hold; null when authentication is enough.</summary>
    public AuthorizationRequirements? Authorization { get; } = authorization;

    /// <summary>The route's explicit choice about forwarding <c>Authorization</c>; null for the method's default.</summary>
    public bool? ForwardAuthorization { get; } = forwardAuthorization;

    /// <summary>Whether API keys may come from the query string on this route.</summary>
    public bool ApiKeyInQuery { get; } = apiKeyInQuery;

    /// <summary>Whether a gateway-signed identity token is sent upstream.</summary>
    public bool IdentityToken { get; } = identityToken;
}
