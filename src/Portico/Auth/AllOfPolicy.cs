using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// Succeeds only when every policy authenticates the request (for example a client certificate and a token). The
/// identity merges them: the first consumer id and subject found, the union of scopes, roles and claims, and the
/// methods joined with <c>+</c>.
/// </summary>
internal sealed class AllOfPolicy(string name, AuthPolicy[] policies) : AuthPolicy(name, "allOf")
{
    public override string Challenge { get; } = string.Join(", ", policies.Select(p => p.Challenge).Where(c => c.Length > 0).Distinct());

    internal AuthPolicy[] Policies => policies;

    public override async ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        var identities = new GatewayIdentity[policies.Length];
        for (int i = 0; i < policies.Length; i++)
        {
            var outcome = await policies[i].AuthenticateAsync(context);
            if (outcome.Status != AuthStatus.Success)
            {
                return outcome.Status == AuthStatus.Missing ? AuthOutcome.Missing(outcome.Challenge ?? Challenge) : outcome;
            }

            identities[i] = outcome.Identity!;
        }

        string? consumerId = null, subject = null;
        var scopes = new List<string>();
        var roles = new List<string>();
        var claims = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var identity in identities)
        {
            consumerId ??= identity.ConsumerId;
            subject ??= identity.Subject;
            AddNew(scopes, identity.Scopes);
            AddNew(roles, identity.Roles);
            foreach (var (name, values) in identity.Claims)
            {
                if (claims.TryGetValue(name, out var existing))
                {
                    var merged = new List<string>(existing);
                    AddNew(merged, values);
                    claims[name] = merged;
                }
                else
                {
                    claims[name] = values;
                }
            }
        }

        return AuthOutcome.Success(new GatewayIdentity
        {
            ConsumerId = consumerId,
            Subject = subject,
            Method = JoinMethods(identities),
            Scopes = scopes,
            Roles = roles,
            Claims = claims,
        });
    }

    // A nested anyOf can succeed with different methods, so the joined name is built per request.
    private static string JoinMethods(GatewayIdentity[] identities)
    {
        var methods = new string[identities.Length];
        for (int i = 0; i < methods.Length; i++)
        {
            methods[i] = identities[i].Method;
        }

        return string.Join('+', methods);
    }

    private static void AddNew(List<string> target, IReadOnlyList<string> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (!target.Contains(values[i]))
            {
                target.Add(values[i]);
            }
        }
    }
}
