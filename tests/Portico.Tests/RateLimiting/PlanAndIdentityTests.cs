using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Limits keyed by the authenticated consumer and chosen by its plan, at the stage level with the identity that
/// authentication sets: plans, route overrides, plan changes on reload, claims, and several policies at once.
/// </summary>
public sealed class PlanAndIdentityTests
{
    private static string Registry(string alicePlan = "free") => $$"""
    {
      "rateLimitPolicies": [
        { "id": "free", "rate": { "requests": 2, "per": "1m" } },
        { "id": "pro", "rate": { "requests": 5, "per": "1m" } },
        { "id": "search-extra", "key": ["consumer", "route"], "rate": { "requests": 1, "per": "1m" } },
        { "id": "by-tenant", "key": ["claim:tenant"], "rate": { "requests": 3, "per": "1m" } },
        { "id": "wide", "rate": { "requests": 3, "per": "1m" } },
        { "id": "narrow", "rate": { "requests": 1, "per": "1m" } }
      ],
      "plans": [
        { "id": "free", "policies": ["free"] },
        { "id": "pro", "policies": ["pro"] }
      ],
      "consumers": [
        { "id": "alice", "plan": "{{alicePlan}}" },
        { "id": "bob", "plan": "free" },
        { "id": "carol", "plan": "pro" },
        { "id": "dave" }
      ],
      "routes": [
        { "id": "api", "auth": "anonymous", "match": { "path": "/api" }, "static": { "body": "x" } },
        { "id": "search", "auth": "anonymous", "match": { "path": "/search" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["search-extra"] } },
        { "id": "health", "auth": "anonymous", "match": { "path": "/health" }, "static": { "body": "x" },
          "rateLimit": { "plans": { "free": [] } } },
        { "id": "upgrade", "auth": "anonymous", "match": { "path": "/upgrade" }, "static": { "body": "x" },
          "rateLimit": { "plans": { "free": ["pro"] } } },
        { "id": "tenants", "auth": "anonymous", "match": { "path": "/tenants" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["by-tenant"] } },
        { "id": "layered", "auth": "anonymous", "match": { "path": "/layered" }, "static": { "body": "x" },
          "rateLimit": { "policies": ["wide", "narrow"] } }
      ]
    }
    """;

    private static async Task<int> AllowedAsync(StageHarness harness, int attempts, string path, string? consumer)
    {
        var allowed = 0;
        for (int i = 0; i < attempts; i++)
        {
            if ((await harness.SendAsync(path, consumer)).Status == 200)
            {
                allowed++;
            }
        }

        return allowed;
    }

    [Fact]
    public async Task Stage_ConsumersOnPlans_EachLimitedByItsPlanAndCountedSeparately()
    {
        await using var harness = await StageHarness.StartAsync(Registry());

        Assert.Equal(2, await AllowedAsync(harness, 10, "/api", "alice"));
        Assert.Equal(2, await AllowedAsync(harness, 10, "/api", "bob"));
        Assert.Equal(5, await AllowedAsync(harness, 10, "/api", "carol"));
        Assert.Equal(10, await AllowedAsync(harness, 10, "/api", "dave")); // no plan, no limit

        var denied = await harness.SendAsync("/api", "alice");
        Assert.Equal(429, denied.Status);
        var problem = JsonDocument.Parse(denied.Body).RootElement;
        Assert.Equal("rate-limited", problem.GetProperty("code").GetString());
        Assert.Equal("free", problem.GetProperty("policy").GetString());
        Assert.Equal("30", denied.Header("Retry-After"));
        Assert.Equal("\"free\";q=2;w=60", denied.Header("RateLimit-Policy"));
        Assert.Equal("\"free\";r=0;t=60", denied.Header("RateLimit"));
    }

    [Fact]
    public async Task Stage_PlanChangedInRegistry_NewLimitsFromTheNextSnapshot()
    {
        await using var harness = await StageHarness.StartAsync(Registry("free"));
        Assert.Equal(2, await AllowedAsync(harness, 10, "/api", "alice"));

        await harness.ReloadAsync(Registry("pro"));

        // The pro policy counts on its own: alice now has pro's five.
        Assert.Equal(5, await AllowedAsync(harness, 10, "/api", "alice"));
    }

    [Fact]
    public async Task Stage_RouteAddsAPolicy_BothPlanAndRoutePolicyApply()
    {
        await using var harness = await StageHarness.StartAsync(Registry());

        Assert.Equal(1, await AllowedAsync(harness, 5, "/search", "carol"));
        var denied = await harness.SendAsync("/search", "carol");
        Assert.Contains("search-extra", denied.Body);
        Assert.Equal("\"pro\";q=5;w=60, \"search-extra\";q=1;w=60", denied.Header("RateLimit-Policy"));
        // The plan's token of the denied request was given back: carol still has four on other routes.
        Assert.Equal(4, await AllowedAsync(harness, 10, "/api", "carol"));
    }

    [Fact]
    public async Task Stage_RouteOverridesPlan_ExemptsOrReplacesThePlansPolicies()
    {
        await using var harness = await StageHarness.StartAsync(Registry());

        Assert.Equal(20, await AllowedAsync(harness, 20, "/health", "alice"));
        var exempt = await harness.SendAsync("/health", "alice");
        Assert.Null(exempt.Header("RateLimit-Policy"));

        Assert.Equal(5, await AllowedAsync(harness, 10, "/upgrade", "bob"));
        Assert.Equal(2, await AllowedAsync(harness, 10, "/api", "bob")); // the plan's own policy is untouched
    }

    [Fact]
    public async Task Stage_AnonymousCallerUnderConsumerKey_CountedByClientAddress()
    {
        await using var harness = await StageHarness.StartAsync("""
        {
          "rateLimitPolicies": [ { "id": "p", "rate": { "requests": 1, "per": "1m" } } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "static": { "body": "x" }, "rateLimit": { "policies": ["p"] } } ]
        }
        """);

        Assert.Equal(200, (await harness.SendAsync("/r", client: "198.51.100.1")).Status);
        Assert.Equal(429, (await harness.SendAsync("/r", client: "198.51.100.1")).Status);
        Assert.Equal(200, (await harness.SendAsync("/r", client: "198.51.100.2")).Status);
        Assert.Equal(200, (await harness.SendAsync("/r", consumer: "alice", client: "198.51.100.1")).Status);
    }

    [Fact]
    public async Task Stage_ClaimKey_CountsPerClaimValue()
    {
        await using var harness = await StageHarness.StartAsync(Registry());
        var acme = new Dictionary<string, IReadOnlyList<string>> { ["tenant"] = ["acme"] };
        var globex = new Dictionary<string, IReadOnlyList<string>> { ["tenant"] = ["globex"] };

        var statuses = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            statuses.Add((await harness.SendAsync("/tenants", consumer: $"user{i}", claims: acme)).Status);
        }

        Assert.Equal([200, 200, 200, 429], statuses);
        Assert.Equal(200, (await harness.SendAsync("/tenants", consumer: "user9", claims: globex)).Status);
    }

    [Fact]
    public async Task Stage_LaterPolicyDenies_EarlierPolicysTokenIsGivenBack()
    {
        await using var harness = await StageHarness.StartAsync(Registry());

        Assert.Equal(1, await AllowedAsync(harness, 6, "/layered", "dave"));

        // 'wide' allows 3 a minute but only counted the one request that passed both: without the refunds it
        // would be used up and deny this one itself.
        var denied = await harness.SendAsync("/layered", "dave");
        Assert.Equal("narrow", JsonDocument.Parse(denied.Body).RootElement.GetProperty("policy").GetString());
        Assert.Equal("\"wide\";r=1;t=40, \"narrow\";r=0;t=60", denied.Header("RateLimit"));
    }

    [Fact]
    public async Task Stage_TimePasses_RefillsAtTheConfiguredRate()
    {
        await using var harness = await StageHarness.StartAsync(Registry());
        Assert.Equal(2, await AllowedAsync(harness, 5, "/api", "alice"));

        harness.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await AllowedAsync(harness, 1, "/api", "alice"));
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await AllowedAsync(harness, 5, "/api", "alice"));
    }
}
