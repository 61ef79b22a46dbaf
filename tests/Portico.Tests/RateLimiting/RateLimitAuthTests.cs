using System.Net;
using Portico.Auth;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Rate limits keyed by the consumer that real authentication verified, over sockets: an API key or a JWT maps the
/// caller to its consumer record, the consumer's plan picks the policies, refused credentials spend nothing, and a
/// plan change in the registry applies on reload.
/// </summary>
public sealed class RateLimitAuthTests : AuthenticatedGateway
{
    private const string Audience = "api://orders";
    private readonly (string Key, string Id) _alice = ApiKeyFormat.Generate();
    private readonly (string Key, string Id) _bob = ApiKeyFormat.Generate();

    protected override string Registry() => Registry(alicePlan: "free");

    private string Registry(string alicePlan) => $$"""
    {
      "backends": [ { "id": "api", "url": {{J(Backend.Url)}} } ],
      "rateLimitPolicies": [
        { "id": "free", "rate": { "requests": 2, "per": "1m" }, "store": "local" },
        { "id": "pro", "rate": { "requests": 5, "per": "1m" }, "store": "local" }
      ],
      "plans": [ { "id": "free", "policies": [ "free" ] }, { "id": "pro", "policies": [ "pro" ] } ],
      "consumers": [ { "id": "alice", "plan": "{{alicePlan}}" }, { "id": "bob", "plan": "pro" }, { "id": "partner-app", "plan": "free" } ],
      "apiKeys": [ {{ApiKey(_alice.Id, "alice", _alice.Key)}}, {{ApiKey(_bob.Id, "bob", _bob.Key)}} ],
      "authPolicies": [
        { "id": "keys", "type": "apiKey" },
        { "id": "users", "type": "jwt", "jwt": { "consumerClaim": "azp", "issuers": [ {{Idp.IssuerJson(Audience)}} ] } }
      ],
      "routes": [
        { "id": "keyed", "auth": "keys", "match": { "path": "/keyed" }, "backend": "api" },
        { "id": "tokens", "auth": "users", "match": { "path": "/tokens" }, "backend": "api" }
      ]
    }
    """;

    private Task<HttpResponseMessage> CallAsync(string path, string? header = null, string? value = null) =>
        header is null ? GetAsync(path) : GetAsync(path, (header, value!));

    private async Task<int> AllowedAsync(int attempts, string path, string? header = null, string? value = null)
    {
        var allowed = 0;
        for (int i = 0; i < attempts; i++)
        {
            using var response = await CallAsync(path, header, value);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                allowed++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            }
        }

        return allowed;
    }

    [Fact]
    public async Task ApiKey_ConsumersPlanDecides_EachConsumerCountedApart()
    {
        Assert.Equal(2, await AllowedAsync(4, "/keyed", "X-Api-Key", _alice.Key));
        Assert.Equal(5, await AllowedAsync(7, "/keyed", "X-Api-Key", _bob.Key));
        Assert.Equal(7, Backend.Count);

        using var limited = await CallAsync("/keyed", "X-Api-Key", _alice.Key);
        var problem = await ProblemAssert.ReadAsync(limited, "rate-limited");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("free", problem.GetProperty("policy").GetString());
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal("\"free\";q=2;w=60", string.Join(", ", limited.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal(0, RateLimitField.Of(string.Join(", ", limited.Headers.GetValues("RateLimit")), "free").Remaining);
    }

    [Fact]
    public async Task RefusedCredentials_SpendNothingOfTheConsumersLimit()
    {
        for (int i = 0; i < 5; i++)
        {
            using var refused = await CallAsync("/keyed", "X-Api-Key", _alice.Key[..^4] + "AAAA");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.False(refused.Headers.Contains("RateLimit"));
        }

        Assert.Equal(2, await AllowedAsync(3, "/keyed", "X-Api-Key", _alice.Key));
        Assert.Equal(2, Backend.Count);
    }

    [Fact]
    public async Task Jwt_ConsumerClaimMapsToThePlan_LimitedByIt()
    {
        var token = "Bearer " + Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());

        Assert.Equal(2, await AllowedAsync(4, "/tokens", "Authorization", token));

        // Another token of the same consumer (new signature, same azp) shares the consumer's limit.
        var another = "Bearer " + Idp.EcToken(Audience, TimeProvider.System.GetUtcNow());
        using var limited = await CallAsync("/tokens", "Authorization", another);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(2, Backend.Count);
    }

    [Fact]
    public async Task PlanChangedInTheRegistry_AppliesAfterReload()
    {
        Assert.Equal(2, await AllowedAsync(3, "/keyed", "X-Api-Key", _alice.Key));

        await Gateway.WriteConfigAsync(Registry(alicePlan: "pro"));

        // The pro policy has a bucket of its own: once the reload is live alice gets its five.
        Assert.True(await Eventually.TrueAsync(
            async () =>
            {
                using var response = await CallAsync("/keyed", "X-Api-Key", _alice.Key);
                return response.StatusCode == HttpStatusCode.OK && response.Headers.GetValues("RateLimit-Policy").Single() == "\"pro\";q=5;w=60";
            },
            TimeSpan.FromSeconds(20)));
        Assert.Equal(4, await AllowedAsync(5, "/keyed", "X-Api-Key", _alice.Key));
    }
}
