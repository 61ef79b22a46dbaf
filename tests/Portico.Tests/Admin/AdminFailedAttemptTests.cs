using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;

namespace Portico.Tests.Admin;

/// <summary>
/// The per-address limit on failed admin attempts: refused before verification (proved by counting the calls an
/// introspection policy makes), per client address as resolved through trusted proxies, and refilled with time.
/// </summary>
public sealed class AdminFailedAttemptTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private readonly AdminKey _key = NewKey();
    private TestAuthorizationServer _idp = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        var settings = KeySettings(_key);
        settings["Portico:Admin:Policy"] = "opaque";
        settings["Portico:Admin:Scopes:0"] = "portico.admin";
        settings["Portico:Admin:FailedAttempts:Limit"] = "3";
        settings["Portico:Admin:FailedAttempts:Period"] = "00:00:30";
        settings["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1";
        settings["Introspection:Secret"] = TestAuthorizationServer.ClientSecret;
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "authPolicies": [ { "id": "opaque", "type": "introspection", "introspection": { "endpoint": {{AuthJson(_idp.IntrospectionUrl)}},
            "requireHttps": false, "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "Introspection:Secret", "inactiveCacheDuration": "0s" } } ],
          "routes": [ { "id": "hello", "auth": "anonymous", "match": { "path": "/hello" }, "static": { "body": "hi" } } ]
        }
        """, settings, services => services.AddSingleton<TimeProvider>(_time));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private static string AuthJson(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private Task<HttpResponseMessage> FromAsync(string client, string? bearer) =>
        SendAsync(_gateway, RegistryPath, bearer, headers: ("X-Forwarded-For", client));

    [Fact]
    public async Task FailedAttempts_OverTheLimit_AreRefusedBeforeVerification()
    {
        for (int i = 0; i < 3; i++)
        {
            using var failed = await FromAsync("203.0.113.7", "unknown-opaque-token-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var introspections = _idp.IntrospectionCalls;
        Assert.Equal(3, introspections);

        using var blocked = await FromAsync("203.0.113.7", "unknown-opaque-token-4");
        using var blockedEvenWithTheKey = await FromAsync("203.0.113.7", _key.Key);

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, blockedEvenWithTheKey.StatusCode);
        await ProblemAssert.ReadAsync(blocked, "admin-rate-limited");
        Assert.Equal(TimeSpan.FromSeconds(10), blocked.Headers.RetryAfter?.Delta);
        Assert.Equal(introspections, _idp.IntrospectionCalls); // no credential was checked
        var audit = await AuditAsync(_gateway, 5);
        Assert.All(audit, a => Assert.Equal("203.0.113.7", a["Client"]));
        Assert.Equal(2, audit.Count(a => Equals(a["StatusCode"], 429) && Equals(a["Outcome"], "rate-limited")));
    }

    [Fact]
    public async Task FailedAttempts_OfOneAddress_DoNotLimitAnother()
    {
        for (int i = 0; i < 3; i++)
        {
            using var failed = await FromAsync("203.0.113.8", _key.Key[..^2] + "zz");
        }

        using var blocked = await FromAsync("203.0.113.8", _key.Key);
        using var other = await FromAsync("198.51.100.9", _key.Key);

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(200, Assert.Single(await AuditAsync(_gateway, 5), a => Equals(a["Client"], "198.51.100.9"))["StatusCode"]);
    }

    [Fact]
    public async Task FailedAttempts_Refill_OneEveryPeriodOverLimit()
    {
        for (int i = 0; i < 3; i++)
        {
            using var failed = await FromAsync("203.0.113.9", "wrong-" + i);
        }

        _time.Advance(TimeSpan.FromSeconds(9));
        using (var stillBlocked = await FromAsync("203.0.113.9", _key.Key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, stillBlocked.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        using (var again = await FromAsync("203.0.113.9", _key.Key))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // One attempt came back, not three: the next failure blocks the address again.
        using var failedAgain = await FromAsync("203.0.113.9", "wrong-again");
        using var blockedAgain = await FromAsync("203.0.113.9", _key.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, failedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, blockedAgain.StatusCode);
    }

    [Fact]
    public async Task SuccessfulAndForbiddenAttempts_AreNotCountedAsFailures()
    {
        var notAdmin = "opaque-not-admin-" + Guid.NewGuid().ToString("N");
        _idp.SetIntrospection(notAdmin, new System.Text.Json.Nodes.JsonObject
        {
            ["active"] = true,
            ["sub"] = "user-9",
            ["scope"] = "orders.read",
            ["exp"] = TestTokens.Unix(TimeProvider.System.GetUtcNow().AddMinutes(10)),
        });

        for (int i = 0; i < 5; i++)
        {
            using var ok = await FromAsync("203.0.113.10", _key.Key);
            using var forbidden = await FromAsync("203.0.113.10", notAdmin);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var missing = await FromAsync("203.0.113.10", null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        await ProblemAssert.ReadAsync(missing, "authentication-required");
    }

    [Fact]
    public async Task FailedAttempts_AreCountedInTheRefusalMetric()
    {
        using var metrics = new MetricRecorder(_gateway.Services);
        for (int i = 0; i < 4; i++)
        {
            using var response = await FromAsync("203.0.113.11", "wrong-" + i);
        }

        Assert.Equal(3, metrics.Sum("portico.admin.refusals", ("reason", "inactive")));
        Assert.Equal(1, metrics.Sum("portico.admin.refusals", ("reason", "rate-limited")));
    }
}
