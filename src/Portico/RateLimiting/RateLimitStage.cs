using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.RateLimiting;

/// <summary>
/// Checks a request against its route's policies and its consumer's plan's, after authentication. Allowed
/// requests carry <c>RateLimit-Policy</c> and <c>RateLimit</c> headers (unless a policy turns them off); a denied
/// one gets a 429 (503 when shared counters are unreachable and the policy fails closed) with <c>Retry-After</c>
/// and a problem naming the policy. Decisions from memory complete synchronously: the stage only goes async
/// when a counter waits on storage or a concurrency limit must be released after the response.
/// </summary>
internal sealed class RateLimitStage(RateLimiter limiter) : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var set = context.Route!.RateLimits.For(PlanOf(context));
        var policies = set.Policies;
        if (policies.Length == 0)
        {
            return next(context);
        }

        // Decisions made from memory are read only until the headers are written or the refusal is answered, both
        // before the rest of the pipeline runs, so they go into an array kept by the thread instead of a new one per
        // request (issue 25). A concurrency limit, whose slots go back after the response, and a decision that waits
        // on storage keep an array of their own.
        var decisions = set.HasConcurrency ? new RateLimitDecision[policies.Length] : Scratch(policies.Length);
        for (int i = 0; i < policies.Length; i++)
        {
            var pending = limiter.AcquireAsync(policies[i], policies[i].Key.Resolve(context));
            if (!pending.IsCompletedSuccessfully)
            {
                var own = set.HasConcurrency ? decisions : decisions.AsSpan(0, policies.Length).ToArray();
                return ContinueAsync(context, next, set, own, i, pending);
            }

            decisions[i] = pending.Result;
            if (!decisions[i].IsAllowed)
            {
                return DenyAsync(context, set, decisions, i, i);
            }
        }

        return Admit(context, next, set, decisions);
    }

    [ThreadStatic]
    private static RateLimitDecision[]? t_scratch;

    /// <summary>This thread's array for the decisions of one request, at least <paramref name="count"/> long.</summary>
    private static RateLimitDecision[] Scratch(int count)
    {
        var scratch = t_scratch;
        if (scratch is null || scratch.Length < count)
        {
            t_scratch = scratch = new RateLimitDecision[Math.Max(count, 4)];
        }

        return scratch;
    }

    /// <summary>The plan of the request's consumer, from the request's snapshot (a plan change is live with the next reload).</summary>
    internal static string? PlanOf(GatewayContext context) =>
        context.Identity.ConsumerId is { } consumer && context.Snapshot.Consumers.TryGetValue(consumer, out var definition)
            ? definition.Plan
            : null;

    private async Task ContinueAsync(GatewayContext context, GatewayDelegate next, PolicySet set, RateLimitDecision[] decisions, int index, ValueTask<RateLimitDecision> pending)
    {
        var policies = set.Policies;
        for (int i = index; i < policies.Length; i++)
        {
            decisions[i] = i == index ? await pending : await limiter.AcquireAsync(policies[i], policies[i].Key.Resolve(context));
            if (!decisions[i].IsAllowed)
            {
                await DenyAsync(context, set, decisions, i, i);
                return;
            }
        }

        await Admit(context, next, set, decisions);
    }

    private Task Admit(GatewayContext context, GatewayDelegate next, PolicySet set, RateLimitDecision[] decisions)
    {
        var policies = set.Policies;
        if (set.HasConcurrency)
        {
            for (int i = 0; i < policies.Length; i++)
            {
                var limit = policies[i].Concurrency;
                if (limit > 0 && !decisions[i].State!.TryEnter(limit))
                {
                    ExitConcurrency(policies, decisions, i);
                    decisions[i].Outcome = RateLimitOutcome.ConcurrencyLimited;
                    decisions[i].RetryAfterTicks = TimeSpan.TicksPerSecond;
                    // Every policy allowed the request by rate and quota: all give their token back.
                    return DenyAsync(context, set, decisions, i, policies.Length);
                }
            }
        }

        var response = context.HttpContext.Response;
        if (set.PolicyHeaderAll is { } policyHeader)
        {
            response.Headers[RateLimitHeaders.PolicyHeader] = policyHeader;
            if (RateLimitHeaders.Live(policies, decisions, policies.Length, limited: false) is { } live)
            {
                response.Headers[RateLimitHeaders.LiveHeader] = live;
            }
        }

        return set.HasConcurrency ? RunInFlightAsync(context, next, policies, decisions) : next(context);
    }

    private static async Task RunInFlightAsync(GatewayContext context, GatewayDelegate next, CompiledRateLimitPolicy[] policies, RateLimitDecision[] decisions)
    {
        try
        {
            await next(context);
            await context.EndDispatchAsync(); // the forwarding error answered before the slot goes back, as before
        }
        finally
        {
            ExitConcurrency(policies, decisions, policies.Length);
        }
    }

    private static void ExitConcurrency(CompiledRateLimitPolicy[] policies, RateLimitDecision[] decisions, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (policies[i].Concurrency > 0)
            {
                decisions[i].State!.Exit();
            }
        }
    }

    internal Task DenyAsync(GatewayContext context, PolicySet set, RateLimitDecision[] decisions, int denied, int admitted)
    {
        // Policies that allowed the request give their token back (memory and leases; an exact policy's
        // confirmed write stays counted, which is why exact policies are checked last).
        var now = limiter.Now;
        for (int i = 0; i < admitted; i++)
        {
            decisions[i].State?.Refund(now);
        }

        var policies = set.Policies;
        var policy = policies[denied];
        var decision = decisions[denied];
        var http = context.HttpContext;
        var response = http.Response;
        if (set.PolicyHeaderLimited is { } policyHeader)
        {
            response.Headers[RateLimitHeaders.PolicyHeader] = policyHeader;
            if (RateLimitHeaders.Live(policies, decisions, denied + 1, limited: true) is { } live)
            {
                response.Headers[RateLimitHeaders.LiveHeader] = live;
            }
        }

        // RFC 9110 §10.2.3: delay-seconds, rounded up so a client that waits that long is not refused again.
        var retryAfter = Math.Max(1, RateLimitHeaders.Seconds(decision.RetryAfterTicks));
        response.Headers[HeaderNames.RetryAfter] = RateLimitHeaders.SecondsText(retryAfter);
        switch (decision.Outcome)
        {
            case RateLimitOutcome.QuotaExceeded:
                var resetsAt = new DateTimeOffset(decision.QuotaResetsAt, TimeSpan.Zero);
                var period = QuotaWindow.Name(decision.ExceededPeriod);
                return ProblemResponse.WriteAsync(
                    http,
                    GatewayProblems.QuotaExceeded,
                    $"Policy {policy.Id} allows {policy.Limits.Quota(decision.ExceededPeriod)} requests per {period} (UTC); the quota resets at {resetsAt:yyyy-MM-dd'T'HH:mm:ss'Z'}.",
                    [new("policy", policy.Id), new("quota", period), new("resetsAt", resetsAt)]);
            case RateLimitOutcome.ConcurrencyLimited:
                return ProblemResponse.WriteAsync(http, GatewayProblems.ConcurrencyLimited, policy.ConcurrencyDetail, policy.ProblemExtensions);
            case RateLimitOutcome.Unavailable:
                return ProblemResponse.WriteAsync(http, GatewayProblems.RateLimitUnavailable, policy.UnavailableDetail, policy.ProblemExtensions);
            default:
                return ProblemResponse.WriteAsync(http, GatewayProblems.RateLimited, policy.LimitedDetail, policy.ProblemExtensions);
        }
    }
}
