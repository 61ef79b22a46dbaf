using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>Invalid policies, plans and route limits are rejected with the item, the field and the line.</summary>
public sealed class RateLimitValidationTests
{
    [Fact]
    public async Task Validate_BadPolicies_EveryErrorNamesPolicyFieldAndLine()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "rateLimitPolicies": [
            { "id": "no-limits" },
            { "id": "bad-rate", "rate": { "requests": 0, "per": "soon" } },
            { "id": "long-rate", "rate": { "requests": 1, "per": "2d" } },
            { "id": "bad-quota", "quotas": [ { "limit": 5, "period": "week" }, { "limit": 0, "period": "day" } ] },
            { "id": "two-days", "quotas": [ { "limit": 5, "period": "day" }, { "limit": 6, "period": "day" } ] },
            { "id": "bad-key", "key": ["consumer", "cookie:x"], "rate": { "requests": 1, "per": "1s" } },
            { "id": "bad-store", "store": "redis", "rate": { "requests": 1, "per": "1s" } },
            { "id": "local-fail", "store": "local", "onStorageFailure": "failClosed", "rate": { "requests": 1, "per": "1s" } },
            { "id": "lease-exact", "store": "exact", "lease": { "maxTokens": 5 }, "rate": { "requests": 10, "per": "1s" } },
            { "id": "big-lease", "store": "leased", "lease": { "maxTokens": 50, "ttl": "5m" }, "rate": { "requests": 10, "per": "1s" } },
            { "id": "bad-headers", "headers": "sometimes", "concurrency": 0 }
          ]
        }
        """);

        void Expect(string policy, string field, string messagePart, int line) =>
            Assert.Contains(errors, e => e.Subject == $"rateLimitPolicy '{policy}'" && e.Field == field
                && e.Message.Contains(messagePart, StringComparison.Ordinal)
                && e.Location!.StartsWith($"portico.json:{line}:", StringComparison.Ordinal));

        Expect("no-limits", "", "at least one of 'rate', 'quotas' or 'concurrency'", 3);
        Expect("bad-rate", "rate.requests", "at least 1", 4);
        Expect("bad-rate", "rate.per", "'soon' is not a positive duration", 4);
        Expect("long-rate", "rate.per", "at most 1d", 5);
        Expect("bad-quota", "quotas[0].period", "'week' is not one of hour, day, month", 6);
        Expect("bad-quota", "quotas[1].limit", "at least 1", 6);
        Expect("two-days", "quotas[1].period", "one per period", 7);
        Expect("bad-key", "key", "unknown key part 'cookie:x'", 8);
        Expect("bad-store", "store", "'redis' is not one of local, exact, leased", 9);
        Expect("local-fail", "onStorageFailure", "uses no storage", 10);
        Expect("lease-exact", "lease", "only leased policies", 11);
        Expect("big-lease", "lease.maxTokens", "between 1 and the burst (10)", 12);
        Expect("big-lease", "lease.ttl", "between 1ms and 1m", 12);
        Expect("bad-headers", "headers", "'sometimes' is not one of all, limited, none", 13);
        Expect("bad-headers", "concurrency", "between 1 and", 13);
        Assert.Equal(15, errors.Count);
    }

    [Fact]
    public async Task Validate_UnknownReferences_NamePlanConsumerAndRoute()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "rateLimitPolicies": [ { "id": "ok", "rate": { "requests": 1, "per": "1s" } } ],
          "plans": [
            { "id": "free", "policies": ["ok", "missing"] },
            { "id": "pro", "policies": ["ok", "ok"] }
          ],
          "consumers": [ { "id": "alice", "plan": "gold" } ],
          "routes": [
            { "id": "r1", "auth": "anonymous", "match": { "path": "/a" }, "static": { "body": "x" }, "rateLimit": { "policies": ["nope"] } },
            { "id": "r2", "auth": "anonymous", "match": { "path": "/b" }, "static": { "body": "x" }, "rateLimit": { "plans": { "platinum": ["ok"], "free": ["gone"] } } },
            { "id": "r3", "auth": "anonymous", "match": { "path": "/c" }, "static": { "body": "x" }, "maxConcurrentRequests": 0 }
          ]
        }
        """);

        void Expect(string subject, string field, string messagePart, int line) =>
            Assert.Contains(errors, e => e.Subject == subject && e.Field == field
                && e.Message.Contains(messagePart, StringComparison.Ordinal)
                && e.Location!.StartsWith($"portico.json:{line}:", StringComparison.Ordinal));

        Expect("plan 'free'", "policies", "unknown rate-limit policy 'missing'", 4);
        Expect("plan 'pro'", "policies", "policy 'ok' is listed twice", 5);
        Expect("consumer 'alice'", "plan", "unknown plan 'gold'", 7);
        Expect("route 'r1'", "rateLimit.policies", "unknown rate-limit policy 'nope'", 9);
        Expect("route 'r2'", "rateLimit.plans", "unknown plan 'platinum'", 10);
        Expect("route 'r2'", "rateLimit.plans.free", "unknown rate-limit policy 'gone'", 10);
        Expect("route 'r3'", "maxConcurrentRequests", "between 1 and", 11);
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public async Task Validate_WorkedExample_IsValid()
    {
        var path = Repository.Path("samples", "rate-limiting", "portico.json");
        var errors = await RegistryValidation.ErrorsAsync(await File.ReadAllTextAsync(path));
        Assert.Empty(errors);
    }
}
