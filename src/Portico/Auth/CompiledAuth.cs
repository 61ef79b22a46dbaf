using Portico.Configuration;

namespace Portico.Auth;

/// <summary>The authentication policies of one snapshot, and the compiler of routes' auth settings against them.</summary>
internal sealed class CompiledAuth(Dictionary<string, AuthPolicy> policies, HashSet<string> defined, bool canSignIdentityTokens)
{
    /// <summary>The policies that compiled, by id, <c>anonymous</c> included.</summary>
    public IReadOnlyDictionary<string, AuthPolicy> Policies => policies;

    /// <summary>Whether the registry defines a policy named <paramref name="id"/> (compiled or not).</summary>
    public bool Defines(string id) => defined.Contains(id);

    /// <summary>Compiles a route's <c>auth</c>, <c>authorization</c>, <c>forwardAuthorization</c>, <c>apiKeyInQuery</c> and <c>identityToken</c>.</summary>
    public RouteAuth? CompileRoute(RouteDefinition route, Action<string, string> error)
    {
        if (!policies.TryGetValue(route.Auth, out var policy))
        {
            // A defined policy with errors of its own is reported there; only an unknown name is reported here.
            if (!defined.Contains(route.Auth))
            {
                error("auth", $"unknown authentication policy '{route.Auth}'");
            }

            return null;
        }

        var anonymous = ReferenceEquals(policy, AnonymousPolicy.Instance);
        var ok = true;
        AuthorizationRequirements? requirements = null;
        if (route.Authorization is { } authorization)
        {
            var scopes = authorization.Scopes ?? [];
            var roles = authorization.Roles ?? [];
            var claims = authorization.Claims ?? new Dictionary<string, IReadOnlyList<string>>();
            if (anonymous)
            {
                error("authorization", "an anonymous route has no caller to authorize: name an authentication policy in 'auth'");
                ok = false;
            }

            if (authorization.Require is not (null or "allOf" or "anyOf"))
            {
                error("authorization.require", "must be 'allOf' or 'anyOf'");
                ok = false;
            }

            if (scopes.Count + roles.Count + claims.Count == 0)
            {
                error("authorization", "name at least one scope, role or claim");
                ok = false;
            }

            if (scopes.Concat(roles).Any(string.IsNullOrWhiteSpace) || claims.Any(c => c.Value.Count == 0))
            {
                error("authorization", "scopes and roles must not be empty, and every claim needs at least one value");
                ok = false;
            }

            requirements = new AuthorizationRequirements(
                [.. scopes], [.. roles], [.. claims.Select(c => new KeyValuePair<string, string[]>(c.Key, [.. c.Value]))], authorization.Require != "anyOf");
        }

        if (route.ApiKeyInQuery == true && !ReadsApiKeys(policy))
        {
            error("apiKeyInQuery", $"policy '{route.Auth}' reads no API keys");
            ok = false;
        }

        if (route.IdentityToken == true)
        {
            if (anonymous)
            {
                error("identityToken", "an anonymous route has no identity to sign");
                ok = false;
            }
            else if (!canSignIdentityTokens)
            {
                error("identityToken", "needs the gateway setting Portico:Auth:IdentityToken:SigningKey (a P-256 private key, in Azure a Key Vault reference)");
                ok = false;
            }
        }

        return ok ? new RouteAuth(policy, requirements, route.ForwardAuthorization, route.ApiKeyInQuery ?? false, route.IdentityToken ?? false) : null;
    }

    private static bool ReadsApiKeys(AuthPolicy policy) => policy switch
    {
        ApiKeyPolicy => true,
        AnyOfPolicy any => any.Policies.Any(ReadsApiKeys),
        AllOfPolicy all => all.Policies.Any(ReadsApiKeys),
        _ => false,
    };
}
