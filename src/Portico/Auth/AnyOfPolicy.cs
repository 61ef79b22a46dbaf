using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>
/// Succeeds with the first policy that authenticates the request, tried in order. When none does, the answer is the
/// most telling failure: an unreachable verifier (503) over an invalid credential (401 <c>invalid_*</c>) over none.
/// </summary>
internal sealed class AnyOfPolicy(string name, AuthPolicy[] policies) : AuthPolicy(name, "anyOf")
{
    public override string Challenge { get; } = string.Join(", ", policies.Select(p => p.Challenge).Where(c => c.Length > 0).Distinct());

    public override async ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        AuthOutcome? worst = null;
        foreach (var policy in policies)
        {
            var outcome = await policy.AuthenticateAsync(context);
            if (outcome.Status == AuthStatus.Success)
            {
                return outcome;
            }

            if (worst is null || Rank(outcome.Status) > Rank(worst.Value.Status))
            {
                worst = outcome;
            }
        }

        var failure = worst!.Value;
        return failure.Status == AuthStatus.Missing ? AuthOutcome.Missing(Challenge) : failure;
    }

    internal AuthPolicy[] Policies => policies;

    private static int Rank(AuthStatus status) => status switch
    {
        AuthStatus.Unavailable => 3,
        AuthStatus.Invalid => 2,
        _ => 1,
    };
}
