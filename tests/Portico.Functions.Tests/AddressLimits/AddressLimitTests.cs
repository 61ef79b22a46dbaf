using System.Net;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Functions.Tests.AddressLimits;

/// <summary>
/// Per-address limits under the Functions host: keyed by the client the host's hop reports (not the hop itself), and
/// refused before the route's credential is checked, proved by a real introspection endpoint's call count.
/// </summary>
public sealed class AddressLimitTests
{
    [Fact]
    public async Task AddressRateLimit_OverTheRoutesRate_429BeforeTheTokenIsIntrospected()
    {
        await using var idp = await TestAuthorizationServer.StartAsync();
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "authPolicies": [ { "id": "opaque", "type": "introspection", "introspection": { "endpoint": {{J(idp.IntrospectionUrl)}},
            "requireHttps": false, "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "Introspection:Secret", "inactiveCacheDuration": "0s" } } ],
          "backends": [ { "id": "b", "url": {{J(backend.Url)}} } ],
          "routes": [ { "id": "api", "auth": "opaque", "match": { "path": "/api" }, "backend": "b", "addressRateLimit": { "requests": 2, "per": "1h" } } ]
        }
        """, new Dictionary<string, string?> { ["Introspection:Secret"] = TestAuthorizationServer.ClientSecret });

        for (int i = 0; i < 2; i++)
        {
            using var forged = await GetAsync(gateway.Client, "/api", Bearer("forged-" + i));
            Assert.True(forged.StatusCode == HttpStatusCode.Unauthorized, gateway.Log);
        }

        Assert.Equal(2, idp.IntrospectionCalls);
        using var limited = await GetAsync(gateway.Client, "/api", Bearer("forged-3"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        await ProblemAssert.ReadAsync(limited, "address-rate-limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal("\"address/route\";q=2;w=3600", Assert.Single(limited.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal(2, idp.IntrospectionCalls); // the token was never looked at

        // The limit is the client's, not the host hop's: another client address still gets through to authentication.
        using var elsewhere = LoopbackClient.From("127.0.0.2");
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url + "/api");
        request.Headers.Add("Authorization", "Bearer forged-4");
        using var other = await elsewhere.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Equal(3, idp.IntrospectionCalls);
        Assert.Equal(0, backend.Count);
    }
}
