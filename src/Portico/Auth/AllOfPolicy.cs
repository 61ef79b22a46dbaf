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

        var claims = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var identity in identities)
        {
            foreach (var (name, values) in identity.Claims)
            {
                claims[name] = claims.TryGetValue(name, out var existing) ? [.. existing.Union(values)] : values;
            }
        }

        return AuthOutcome.Success(new GatewayIdentity
        {
            ConsumerId = identities.Select(i => i.ConsumerId).FirstOrDefault(c => c is not null),
            Subject = identities.Select(i => i.Subject).FirstOrDefault(s => s is not null),
            Method = string.Join('+', identities.Select(i => i.Method)),
            Scopes = [.. identities.SelectMany(i => i.Scopes).Distinct(StringComparer.Ordinal)],
            Roles = [.. identities.SelectMany(i => i.Roles).Distinct(StringComparer.Ordinal)],
            Claims = claims,
        });
    }
}
