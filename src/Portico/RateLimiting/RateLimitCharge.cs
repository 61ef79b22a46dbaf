using Portico.Pipeline;

namespace Portico.RateLimiting;

/// <summary>
/// Charges a request more than the one token <see cref="RateLimitStage"/> took for it, once its real weight is known
/// after the stage ran: a GraphQL route with <c>rateLimitBy: "cost"</c> charges an operation's cost
/// (docs/graphql.md#rate-limits-in-cost-units). Every counting policy of the request's route and plan takes the extra
/// tokens, all or none; a refusal is answered exactly as the stage answers one (429, <c>Retry-After</c>, the
/// <c>RateLimit</c> fields and a problem naming the policy).
/// </summary>
internal sealed class RateLimitCharge(RateLimiter limiter, RateLimitStage stage)
{
    /// <summary>
    /// Takes <paramref name="tokens"/> more tokens from every policy of the request; true when all allowed them (the
    /// <c>RateLimit</c> field then shows what is left after the charge), false after the refusal was written.
    /// </summary>
    public async Task<bool> TryChargeAsync(GatewayContext context, long tokens)
    {
        var set = context.Route!.RateLimits.For(RateLimitStage.PlanOf(context));
        var policies = set.Policies;
        if (tokens <= 0 || policies.Length == 0)
        {
            return true;
        }

        var decisions = new RateLimitDecision[policies.Length];
        for (int i = 0; i < policies.Length; i++)
        {
            decisions[i] = await limiter.ChargeAsync(policies[i], policies[i].Key.Resolve(context), tokens);
            if (!decisions[i].IsAllowed)
            {
                // The policies that allowed the charge give its tokens back; the request's own token stays counted.
                var now = limiter.Now;
                for (int j = 0; j < i; j++)
                {
                    if (policies[j].Counts)
                    {
                        decisions[j].State?.Refund(now, tokens);
                    }
                }

                await stage.DenyAsync(context, set, decisions, i, admitted: 0);
                return false;
            }
        }

        if (set.PolicyHeaderAll is not null && RateLimitHeaders.Live(policies, decisions, policies.Length, limited: false) is { } live)
        {
            context.HttpContext.Response.Headers[RateLimitHeaders.LiveHeader] = live;
        }

        return true;
    }
}
