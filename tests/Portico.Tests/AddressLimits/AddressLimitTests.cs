using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.AddressLimits;

/// <summary>
/// Limits per client address that run before authentication (issue 17, item 9): a route's <c>addressRateLimit</c>, the
/// gateway-wide rate, failed authentications and requests in flight. "Before authentication" is proved by counting the
/// calls an introspection policy makes to a real authorization server: a refused request makes none.
/// </summary>
public sealed class AddressLimitTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private TestAuthorizationServer _idp = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        _backend = await TestBackend.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private string Registry(string limitedExtra = "") => $$"""
    {
      "authPolicies": [ { "id": "opaque", "type": "introspection", "introspection": { "endpoint": {{J(_idp.IntrospectionUrl)}},
        "requireHttps": false, "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "Introspection:Secret", "inactiveCacheDuration": "0s" } } ],
      "backends": [ { "id": "b", "url": {{J(_backend.Url)}} } ],
      "routes": [
        { "id": "limited", "auth": "opaque", "match": { "path": "/limited" }, "backend": "b" {{limitedExtra}} },
        { "id": "protected", "auth": "opaque", "match": { "path": "/protected" }, "backend": "b" },
        { "id": "open", "auth": "anonymous", "match": { "path": "/open" }, "backend": "b" }
      ]
    }
    """;

    private Task<GatewayHost> StartAsync(string registry, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Introspection:Secret"] = TestAuthorizationServer.ClientSecret;
        settings["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1";
        return GatewayHost.StartWithFileAsync(registry, settings, services => services.AddSingleton<TimeProvider>(_time));
    }

    private string ActiveToken()
    {
        var token = "opaque-" + Guid.NewGuid().ToString("N");
        _idp.SetIntrospection(token, new System.Text.Json.Nodes.JsonObject
        {
            ["active"] = true,
            ["sub"] = "user-1",
            ["exp"] = TestTokens.Unix(TimeProvider.System.GetUtcNow().AddMinutes(10)),
        });
        return token;
    }

    private static Task<HttpResponseMessage> FromAsync(GatewayHost gateway, string path, string client, string? token) =>
        token is null
            ? GetAsync(gateway.Client, path, ("X-Forwarded-For", client))
            : GetAsync(gateway.Client, path, ("X-Forwarded-For", client), Bearer(token));

    [Fact]
    public async Task AddressRateLimit_OverTheRoutesRate_429BeforeTheTokenIsIntrospected()
    {
        await using var gateway = await StartAsync(Registry(""", "addressRateLimit": { "requests": 2, "per": "1m" }"""),
            new() { ["Logging:LogLevel:Portico.AddressLimits"] = "Debug" }); // refusals (event 1750) are Debug

        for (int i = 0; i < 2; i++)
        {
            using var unknown = await FromAsync(gateway, "/limited", "203.0.113.5", "forged-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        var introspections = _idp.IntrospectionCalls;
        using var limited = await FromAsync(gateway, "/limited", "203.0.113.5", ActiveToken());

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var problem = await ProblemAssert.ReadAsync(limited, "address-rate-limited");
        Assert.Equal("address/route", problem.GetProperty("limit").GetString());
        Assert.Equal(introspections, _idp.IntrospectionCalls); // the token was never looked at
        Assert.Equal(TimeSpan.FromSeconds(30), limited.Headers.RetryAfter?.Delta); // one token every 30 s
        Assert.Equal("\"address/route\";q=2;w=60", Assert.Single(limited.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal("\"address/route\";r=0;t=60", Assert.Single(limited.Headers.GetValues("RateLimit")));
        Assert.Equal("nosniff", Assert.Single(limited.Headers.GetValues("X-Content-Type-Options")));

        // Another address, and another route, are not limited by it.
        using var other = await FromAsync(gateway, "/limited", "198.51.100.5", ActiveToken());
        using var otherRoute = await FromAsync(gateway, "/protected", "203.0.113.5", ActiveToken());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherRoute.StatusCode);

        // Refilled with time: one token after 30 s.
        _time.Advance(TimeSpan.FromSeconds(30));
        using var again = await FromAsync(gateway, "/limited", "203.0.113.5", ActiveToken());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // A refusal is an expected outcome: logged at Debug with its limit, never as a warning.
        var logged = gateway.Logs.Entries.Where(e => e.Category.StartsWith("Portico.AddressLimits", StringComparison.Ordinal)).ToList();
        Assert.Contains(logged, e => e.EventId.Id == 1750 && e.Level == LogLevel.Debug && e.Message.Contains("route-rate", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task FailedAuthentication_OverTheLimit_429BeforeThePolicyRunsEvenWithAValidToken()
    {
        await using var gateway = await StartAsync(Registry(), new()
        {
            ["Portico:AddressLimits:FailedAuthentication:Limit"] = "3",
            ["Portico:AddressLimits:FailedAuthentication:Period"] = "00:00:30",
        });

        for (int i = 0; i < 3; i++)
        {
            using var failed = await FromAsync(gateway, "/protected", "203.0.113.7", "stuffed-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var introspections = _idp.IntrospectionCalls;
        Assert.Equal(3, introspections);
        using var blocked = await FromAsync(gateway, "/protected", "203.0.113.7", "stuffed-4");
        using var blockedOnAnotherRoute = await FromAsync(gateway, "/limited", "203.0.113.7", ActiveToken());

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, blockedOnAnotherRoute.StatusCode);
        await ProblemAssert.ReadAsync(blocked, "authentication-throttled");
        Assert.Equal(introspections, _idp.IntrospectionCalls); // no credential was checked
        Assert.Equal(TimeSpan.FromSeconds(10), blocked.Headers.RetryAfter?.Delta);
        Assert.Equal("\"failed-authentication\";q=3;w=30", Assert.Single(blocked.Headers.GetValues("RateLimit-Policy")));

        // Only routes that check credentials; only this address.
        using var open = await FromAsync(gateway, "/open", "203.0.113.7", null);
        using var other = await FromAsync(gateway, "/protected", "198.51.100.7", ActiveToken());
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // One attempt back after Period / Limit.
        _time.Advance(TimeSpan.FromSeconds(10));
        using var again = await FromAsync(gateway, "/protected", "203.0.113.7", ActiveToken());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task FailedAuthentication_MissingCredentialsAndSuccesses_AreNotCounted()
    {
        await using var gateway = await StartAsync(Registry(), new() { ["Portico:AddressLimits:FailedAuthentication:Limit"] = "2" });
        var token = ActiveToken();
        for (int i = 0; i < 5; i++)
        {
            using var missing = await FromAsync(gateway, "/protected", "203.0.113.8", null);
            using var ok = await FromAsync(gateway, "/protected", "203.0.113.8", token);
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task GatewayRate_OverTheRate_429OnEveryRouteForThatAddress()
    {
        await using var gateway = await StartAsync(Registry(), new()
        {
            ["Portico:AddressLimits:Rate:Requests"] = "1",
            ["Portico:AddressLimits:Rate:Per"] = "00:01:00",
        });

        using var first = await FromAsync(gateway, "/open", "203.0.113.9", null);
        using var second = await FromAsync(gateway, "/protected", "203.0.113.9", ActiveToken());
        using var other = await FromAsync(gateway, "/open", "198.51.100.9", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("address", (await ProblemAssert.ReadAsync(second, "address-rate-limited")).GetProperty("limit").GetString());
        Assert.Equal("\"address\";q=1;w=60", Assert.Single(second.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task MaxConcurrentRequests_OverThePerAddressCap_429UntilOneEnds()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await TestBackend.StartAsync(async context =>
        {
            await release.Task;
            context.Response.StatusCode = 200;
        });
        var registry = $$"""
        { "backends": [ { "id": "slow", "url": {{J(slow.Url)}} } ],
          "routes": [ { "id": "slow", "auth": "anonymous", "match": { "path": "/slow" }, "backend": "slow" } ] }
        """;
        await using var gateway = await StartAsync(registry, new() { ["Portico:AddressLimits:MaxConcurrentRequests"] = "2" });

        var held = new[] { FromAsync(gateway, "/slow", "203.0.113.10", null), FromAsync(gateway, "/slow", "203.0.113.10", null) };
        await slow.ReceivedAsync(2);
        using var refused = await FromAsync(gateway, "/slow", "203.0.113.10", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        await ProblemAssert.ReadAsync(refused, "address-concurrency-limited");
        Assert.Equal("\"address/concurrency\";q=2;qu=\"concurrent-requests\"", Assert.Single(refused.Headers.GetValues("RateLimit-Policy")));

        release.SetResult();
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        using var afterwards = await FromAsync(gateway, "/slow", "203.0.113.10", null);
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task MaxConcurrentRequests_RequestsRefusedByALaterStage_GiveTheirSlotsBack()
    {
        // One request in flight per address: requests refused after the slot was taken (401 from authentication) must
        // give it back, or the address would be locked out. (A backend's failure is covered by the load-shedding tests:
        // both limits hand their slots to the same release; this class's clock is fake, so no retry backoff here.)
        await using var gateway = await StartAsync(Registry(), new() { ["Portico:AddressLimits:MaxConcurrentRequests"] = "1" });

        for (int i = 0; i < 3; i++)
        {
            using var unauthenticated = await FromAsync(gateway, "/protected", "203.0.113.20", null);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
            using var open = await FromAsync(gateway, "/open", "203.0.113.20", null);
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }
    }

    [Theory]
    [InlineData("""{ "requests": 0, "per": "1s" }""", "addressRateLimit.requests")]
    [InlineData("""{ "requests": 5, "per": "soon" }""", "addressRateLimit.per")]
    [InlineData("""{ "requests": 5, "per": "1s", "burst": 0 }""", "addressRateLimit.burst")]
    public async Task Registry_InvalidAddressRateLimit_RefusedNamingTheField(string rate, string field)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry($""", "addressRateLimit": {rate}"""));

        var error = Assert.Single(errors);
        Assert.Equal("route 'limited'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.NotNull(error.Location);
    }

    [Theory]
    [InlineData("Portico:AddressLimits:MaxConcurrentRequests", "-1")]
    [InlineData("Portico:AddressLimits:FailedAuthentication:Limit", "-3")]
    [InlineData("Portico:AddressLimits:MaxTrackedAddresses", "0")]
    [InlineData("Portico:AddressLimits:MaxConnectionsPerAddress", "-1")]
    public async Task Start_InvalidSetting_RefusedNamingIt(string setting, string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(Registry(), new() { [setting] = value }));

        Assert.Contains(ex.Failures, f => f.Contains(setting, StringComparison.Ordinal));
    }
}
