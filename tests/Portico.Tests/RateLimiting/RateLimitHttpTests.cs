using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>
/// Rate limits through the real standalone host over a real socket (DB-less mode, counters in memory): keys,
/// 429 answers, quotas, the RateLimit headers on every path, concurrency limits and reloads.
/// </summary>
public sealed class RateLimitHttpTests : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() =>
        _backend = await TestBackend.StartAsync(async context =>
        {
            if (context.Request.Path == "/limited-upstream")
            {
                context.Response.Headers["RateLimit-Policy"] = "\"upstream\";q=1000;w=1";
                context.Response.Headers["RateLimit"] = "\"upstream\";r=999;t=1";
            }

            await context.Response.WriteAsync("from backend");
        });

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry(string extraPolicies = "", string extraRoutes = "") => $$"""
    {
      "backends": [ { "id": "b", "url": "{{_backend.Url}}" }, { "id": "dead", "url": "http://127.0.0.1:9" } ],
      "rateLimitPolicies": [
        { "id": "per-client", "key": ["header:X-Client"], "rate": { "requests": 3, "per": "1m" } },
        { "id": "daily", "key": ["header:X-Client"], "quotas": [ { "limit": 2, "period": "day" } ] },
        { "id": "quiet", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1m" }, "headers": "limited" },
        { "id": "silent", "key": ["header:X-Client"], "rate": { "requests": 1, "per": "1m" }, "headers": "none" },
        { "id": "per-ip", "key": ["clientIp"], "rate": { "requests": 1, "per": "1m" } },
        { "id": "per-key", "key": ["apiKey"], "rate": { "requests": 1, "per": "1m" } }
        {{extraPolicies}}
      ],
      "routes": [
        { "id": "static", "auth": "anonymous", "match": { "path": "/static" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["per-client"] } },
        { "id": "proxy", "auth": "anonymous", "match": { "path": "/proxy" }, "backend": "b", "rateLimit": { "policies": ["per-client"] } },
        { "id": "upstream", "auth": "anonymous", "match": { "path": "/limited-upstream" }, "backend": "b", "rateLimit": { "policies": ["per-client"] } },
        { "id": "broken", "auth": "anonymous", "match": { "path": "/broken" }, "backend": "dead", "rateLimit": { "policies": ["per-client"] } },
        { "id": "quota", "auth": "anonymous", "match": { "path": "/quota" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["daily"] } },
        { "id": "quiet", "auth": "anonymous", "match": { "path": "/quiet" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["quiet"] } },
        { "id": "silent", "auth": "anonymous", "match": { "path": "/silent" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["silent"] } },
        { "id": "ip", "auth": "anonymous", "match": { "path": "/ip" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["per-ip"] } },
        { "id": "key", "auth": "anonymous", "match": { "path": "/key" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["per-key"] } },
        { "id": "open", "auth": "anonymous", "match": { "path": "/open" }, "static": { "body": "ok" } }
        {{extraRoutes}}
      ]
    }
    """;

    private static async Task<HttpResponseMessage> GetAsync(GatewayHost gateway, string path, string? client = null, string? forwardedFor = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (client is not null)
        {
            request.Headers.Add("X-Client", client);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return await gateway.Client.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [Fact]
    public async Task Request_OverTheRate_429WithRetryAfterProblemNamingThePolicyAndHeaders()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());
        for (int i = 0; i < 3; i++)
        {
            using var ok = await GetAsync(gateway, "/static", "alpha");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("\"per-client\";q=3;w=60", Header(ok, "RateLimit-Policy"));
            var (remaining, reset) = RateLimitField.Of(Header(ok, "RateLimit"), "per-client");
            Assert.Equal(2 - i, remaining);
            Assert.InRange(reset!.Value, (20 * (i + 1)) - 1, 20 * (i + 1)); // seconds until the bucket is full again
        }

        using var limited = await GetAsync(gateway, "/static", "alpha");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(Header(limited, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 19, 20);
        Assert.Equal("\"per-client\";q=3;w=60", Header(limited, "RateLimit-Policy"));
        Assert.StartsWith("\"per-client\";r=0;t=", Header(limited, "RateLimit"));
        var problem = await ProblemAssert.ReadAsync(limited, "rate-limited");
        Assert.Equal("per-client", problem.GetProperty("policy").GetString());
        Assert.Contains("per-client allows 3 requests per 1m", problem.GetProperty("detail").GetString());

        // Another key has its own bucket; a route without policies has no headers.
        using var other = await GetAsync(gateway, "/static", "beta");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var open = await GetAsync(gateway, "/open", "alpha");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Null(Header(open, "RateLimit-Policy"));
        Assert.Null(Header(open, "RateLimit"));
    }

    [Fact]
    public async Task Request_ProxiedSuccessAndBackendFailure_CarryTheHeadersAndLimitedNeverReachesTheBackend()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());

        using var proxied = await GetAsync(gateway, "/proxy", "gamma");
        Assert.Equal("from backend", await proxied.Content.ReadAsStringAsync());
        Assert.Equal(2, RateLimitField.Of(Header(proxied, "RateLimit"), "per-client").Remaining);

        using var failed = await GetAsync(gateway, "/broken", "gamma");
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(1, RateLimitField.Of(Header(failed, "RateLimit"), "per-client").Remaining);

        using var third = await GetAsync(gateway, "/proxy", "gamma");
        var before = _backend.Count;
        using var limited = await GetAsync(gateway, "/proxy", "gamma");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(before, _backend.Count);
    }

    [Fact]
    public async Task Request_BackendSendsItsOwnRateLimitFields_BothListsReachTheClient()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());

        using var response = await GetAsync(gateway, "/limited-upstream", "delta");

        // RFC 8941 §3.1: a list may be split over field lines; the client sees the gateway's and the backend's.
        Assert.Equal(["\"per-client\";q=3;w=60", "\"upstream\";q=1000;w=1"], response.Headers.GetValues("RateLimit-Policy").Order());
        var live = response.Headers.GetValues("RateLimit").Order().ToList();
        Assert.Equal(2, live.Count);
        Assert.Equal(2, RateLimitField.Of(live[0], "per-client").Remaining);
        Assert.Equal("\"upstream\";r=999;t=1", live[1]);
    }

    [Fact]
    public async Task Request_QuotaUsedUp_429NamesTheResetTime()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/quota", "epsilon")).StatusCode);
        using var last = await GetAsync(gateway, "/quota", "epsilon");
        Assert.StartsWith("\"daily/day\";r=0;t=", Header(last, "RateLimit"));
        Assert.Equal("\"daily/day\";q=2;w=86400", Header(last, "RateLimit-Policy"));

        using var exceeded = await GetAsync(gateway, "/quota", "epsilon");

        Assert.Equal(HttpStatusCode.TooManyRequests, exceeded.StatusCode);
        var problem = await ProblemAssert.ReadAsync(exceeded, "quota-exceeded");
        var midnight = TimeProvider.System.GetUtcNow().UtcDateTime.Date.AddDays(1); // the gateway runs on the system clock
        var resetsAt = problem.GetProperty("resetsAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, resetsAt.Offset);
        Assert.InRange(resetsAt.UtcDateTime, midnight.AddDays(-1), midnight.AddDays(1)); // the test may straddle midnight
        Assert.Equal(0, resetsAt.TimeOfDay.Ticks);
        Assert.Equal("day", problem.GetProperty("quota").GetString());
        Assert.Contains($"resets at {resetsAt.UtcDateTime:yyyy-MM-dd}T00:00:00Z", problem.GetProperty("detail").GetString());
        var retryAfter = long.Parse(Header(exceeded, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 86400);
        Assert.InRange((resetsAt - TimeProvider.System.GetUtcNow()).TotalSeconds, retryAfter - 5, retryAfter + 1); // Retry-After points at the reset
    }

    [Fact]
    public async Task Headers_LimitedOrNone_OnlyOn429sOrNever()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());

        using var quietOk = await GetAsync(gateway, "/quiet", "zeta");
        Assert.Null(Header(quietOk, "RateLimit-Policy"));
        using var quietLimited = await GetAsync(gateway, "/quiet", "zeta");
        Assert.Equal(HttpStatusCode.TooManyRequests, quietLimited.StatusCode);
        Assert.Equal("\"quiet\";q=1;w=60", Header(quietLimited, "RateLimit-Policy"));
        Assert.StartsWith("\"quiet\";r=0;t=", Header(quietLimited, "RateLimit"));

        using var silentOk = await GetAsync(gateway, "/silent", "zeta");
        using var silentLimited = await GetAsync(gateway, "/silent", "zeta");
        Assert.Equal(HttpStatusCode.TooManyRequests, silentLimited.StatusCode);
        Assert.Null(Header(silentOk, "RateLimit"));
        Assert.Null(Header(silentLimited, "RateLimit-Policy"));
        Assert.Null(Header(silentLimited, "RateLimit"));
        Assert.NotNull(Header(silentLimited, "Retry-After"));
    }

    [Fact]
    public async Task ClientIpKey_BehindATrustedProxy_CountsTheForwardedClientAndIgnoresSpoofing()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(), new Dictionary<string, string?>
        {
            ["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1",
        });

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/ip", forwardedFor: "198.51.100.10")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/ip", forwardedFor: "198.51.100.10")).StatusCode);
        // A different client behind the same proxy has its own bucket...
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/ip", forwardedFor: "198.51.100.11")).StatusCode);
        // ...but a client cannot escape by writing a fake hop to the left of its real address.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/ip", forwardedFor: "203.0.113.99, 198.51.100.10")).StatusCode);
    }

    [Fact]
    public async Task ClientIpKey_UntrustedPeer_ForwardedHeaderCannotBuyANewBucket()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/ip", forwardedFor: "198.51.100.20")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/ip", forwardedFor: "198.51.100.21")).StatusCode);
    }

    [Fact]
    public async Task ApiKeyKey_CountsPerPresentedKeyAndNoKeyFallsBackToTheAddress()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());
        var secret = "pk_live_" + Guid.NewGuid().ToString("N");

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/key", apiKey: secret)).StatusCode);
        using var limited = await GetAsync(gateway, "/key", apiKey: secret);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.DoesNotContain(secret, await limited.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/key", apiKey: secret + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/key")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/key")).StatusCode);
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_UnrelatedChange_KeepsTheCounters()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry());
        for (int i = 0; i < 3; i++)
        {
            await GetAsync(gateway, "/static", "eta");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/static", "eta")).StatusCode);

        await gateway.WriteConfigAsync(Registry(extraRoutes: """, { "id": "added", "auth": "anonymous", "match": { "path": "/added" }, "static": { "body": "new" } }"""));
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/added")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)));

        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(gateway, "/static", "eta")).StatusCode);
    }

    [Fact]
    public async Task Concurrency_KeyHasTheMaximumInFlight_429UntilOneFinishes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await TestBackend.StartAsync(async context =>
        {
            arrived.TrySetResult();
            await release.Task;
            await context.Response.WriteAsync("slow");
        });
        var registry = Registry(
            extraPolicies: """, { "id": "one-at-a-time", "key": ["header:X-Client"], "concurrency": 1 }""",
            extraRoutes: """, { "id": "slow", "auth": "anonymous", "match": { "path": "/slow" }, "backend": "slow", "rateLimit": { "policies": ["one-at-a-time"] } }""")
            .Replace("\"backends\": [", $"\"backends\": [ {{ \"id\": \"slow\", \"url\": \"{slow.Url}\" }},", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry);

        var first = GetAsync(gateway, "/slow", "theta");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var second = await GetAsync(gateway, "/slow", "theta");
        var otherClient = GetAsync(gateway, "/slow", "iota");

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var problem = await ProblemAssert.ReadAsync(second, "concurrency-limited");
        Assert.Equal("one-at-a-time", problem.GetProperty("policy").GetString());
        Assert.Equal("1", Header(second, "Retry-After"));
        Assert.Equal("\"one-at-a-time/concurrency\";q=1;qu=\"concurrent-requests\"", Header(second, "RateLimit-Policy"));

        release.SetResult();
        using var firstResponse = await first;
        using var otherResponse = await otherClient;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        using var after = await GetAsync(gateway, "/slow", "theta");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("\"one-at-a-time/concurrency\";r=0", Header(after, "RateLimit"));
    }
}
