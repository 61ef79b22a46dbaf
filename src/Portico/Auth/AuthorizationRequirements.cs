using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// A route's compiled authorization: required scopes, roles and claim values, all of them (<c>allOf</c>) or at
/// least one (<c>anyOf</c>). Checked with plain loops: the lists are short and fixed per snapshot.
/// </summary>
internal sealed class AuthorizationRequirements(string[] scopes, string[] roles, KeyValuePair<string, string[]>[] claims, bool requireAll)
{
    /// <summary>The required scopes as one space-separated string, for the <c>scope</c> of an RFC 6750 challenge.</summary>
    public string ScopeList { get; } = string.Join(' ', scopes);

    public bool HasScopes => scopes.Length > 0;

    /// <summary>Checks <paramref name="identity"/>; on failure, <paramref name="scopeMissing"/> says whether a scope was what lacked.</summary>
    public bool IsSatisfiedBy(GatewayIdentity identity, out bool scopeMissing)
    {
        scopeMissing = false;
        if (requireAll)
        {
            foreach (var scope in scopes)
            {
                if (!Contains(identity.Scopes, scope))
                {
                    scopeMissing = true;
                    return false;
                }
            }

            foreach (var role in roles)
            {
                if (!Contains(identity.Roles, role))
                {
                    return false;
                }
            }

            foreach (var (claim, values) in claims)
            {
                if (!HasClaimValue(identity, claim, values))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var scope in scopes)
        {
            if (Contains(identity.Scopes, scope))
            {
                return true;
            }
        }

        foreach (var role in roles)
        {
            if (Contains(identity.Roles, role))
            {
                return true;
            }
        }

        foreach (var (claim, values) in claims)
        {
            if (HasClaimValue(identity, claim, values))
            {
                return true;
            }
        }

        scopeMissing = scopes.Length > 0 && roles.Length == 0 && claims.Length == 0;
        return false;
    }

    private static bool HasClaimValue(GatewayIdentity identity, string claim, string[] accepted)
    {
        if (!identity.Claims.TryGetValue(claim, out var held))
        {
            return false;
        }

        foreach (var value in accepted)
        {
            if (Contains(held, value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
