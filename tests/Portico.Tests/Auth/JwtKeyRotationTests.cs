using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Auth;

/// <summary>
/// Issuer keys over time, on a fake clock: a rotated key is accepted after a refresh, a removed key is refused after
/// one, an issuer outage keeps the last good keys working, and the refresh throttle holds.
/// </summary>
public sealed class JwtKeyRotationTests : AuthenticatedGateway
{
    private const string Audience = "api://orders";
    private const string RefreshIntervals = """, "refreshInterval": "1h", "minRefreshInterval": "5m" """;
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());

    protected override string Registry() => $$"""
    {
      "backends": [ { "id": "api", "url": {{J(Backend.Url)}} } ],
      "authPolicies": [
        { "id": "users", "type": "jwt", "jwt": { "issuers": [
          {{Idp.IssuerJson(Audience, discovery: true, extra: RefreshIntervals)}} ] } }
      ],
      "routes": [ { "id": "api", "auth": "users", "match": { "path": "/api" }, "backend": "api" } ]
    }
    """;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(_time);

    private async Task<HttpStatusCode> CallAsync(string token)
    {
        using var response = await GetAsync("/api", Bearer(token));
        return response.StatusCode;
    }

    [Fact]
    public async Task Jwt_RotatedKey_IsAcceptedAfterTheThrottledRefresh()
    {
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
        using var next = RSA.Create(2048);
        Idp.Publish(TestTokens.Jwk(next, "rotated"), TestTokens.Jwk(Idp.Rsa, Idp.RsaKid));
        string Rotated() => Idp.Token(Audience, _time.GetUtcNow(), "RS256", "rotated", TestTokens.Rs256(next));

        // Within the minimum refresh interval an unknown kid may not trigger a fetch.
        var fetches = Idp.JwksFetches;
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(Rotated()));
        Assert.Equal(fetches, Idp.JwksFetches);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Rotated()));
        Assert.Equal(fetches + 1, Idp.JwksFetches);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
    }

    [Fact]
    public async Task Jwt_RemovedKey_IsRefusedAfterTheScheduledRefresh()
    {
        // One long-lived token, sent again and again: accepted (and remembered) before, refused after the refresh.
        var token = Idp.RsaToken(Audience, _time.GetUtcNow(), (_, p) => p["exp"] = TestTokens.Unix(_time.GetUtcNow().AddHours(3)));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(token));
        Idp.Publish(TestTokens.Jwk(Idp.Ec, Idp.EcKid)); // the RSA key is withdrawn
        Assert.Equal(HttpStatusCode.OK, await CallAsync(token)); // not refreshed yet

        _time.Advance(TimeSpan.FromHours(1));
        // The keys are due for refresh: the request that notices starts it in the background.
        await CallAsync(token);

        Assert.True(await Eventually.TrueAsync(async () => await CallAsync(token) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20)));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.EcToken(Audience, _time.GetUtcNow())));
    }

    [Fact]
    public async Task Jwt_IssuerDown_LastGoodKeysKeepWorking()
    {
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
        Idp.Down = true;

        _time.Advance(TimeSpan.FromHours(2));
        // The request that finds the keys due for refresh starts a fetch, which fails; the request still passes.
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
        Assert.True(await Eventually.TrueAsync(() => Gateway.Logs.Entries.Any(e => e.EventId.Id == 311), TimeSpan.FromSeconds(20)));
        var fetches = Idp.DiscoveryFetches;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
        }

        Assert.Equal(fetches, Idp.DiscoveryFetches); // throttled: no new attempt within the minimum refresh interval
        Assert.Equal(7, Backend.Count);
    }

    [Fact]
    public async Task Jwt_IssuerDownBeforeAnyKeyWasLoaded_Answers503WithoutCallingTheBackend()
    {
        Idp.Down = true;

        using var response = await GetAsync("/api", Bearer(Idp.RsaToken(Audience, _time.GetUtcNow())));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "auth-unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(0, Backend.Count);

        // When the issuer is back, the cold-start retry (at most every 30 s) loads the keys.
        Idp.Down = false;
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Idp.RsaToken(Audience, _time.GetUtcNow())));
    }

    [Fact]
    public async Task Jwt_AcceptedTokenSentAgainAfterItsExpiry_IsRefused()
    {
        var token = Idp.RsaToken(Audience, _time.GetUtcNow()); // valid for 10 minutes
        Assert.Equal(HttpStatusCode.OK, await CallAsync(token));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(token));

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(token)); // within the 60 s clock skew

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(token));
        Assert.Equal(3, Backend.Count);
    }
}
