using System.Net;
using System.Text.Json.Nodes;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Auth;

/// <summary>Opaque tokens checked with a real RFC 7662 endpoint: caching, inactive tokens, and the endpoint being down.</summary>
public sealed class IntrospectionTests(IntrospectionTests.Fixture fixture) : IClassFixture<IntrospectionTests.Fixture>
{
    /// <summary>
    /// One gateway for the class: tokens are unique per test, so no test meets another's cache entries, and each counts
    /// calls and log entries from before its own requests.
    /// </summary>
    public sealed class Fixture : AuthenticatedGateway
    {
        protected override string Registry() => $$"""
        {
          "backends": [ { "id": "api", "url": {{J(Backend.Url)}} } ],
          "consumers": [ { "id": "partner-app" }, { "id": "blocked-app", "status": "disabled" } ],
          "authPolicies": [
            { "id": "opaque", "type": "introspection", "introspection": { "endpoint": {{J(Idp.IntrospectionUrl)}}, "requireHttps": false,
              "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "Introspection:Secret", "cacheDuration": "5m" } },
            { "id": "opaque-401", "type": "introspection", "introspection": { "endpoint": "http://127.0.0.1:9/introspect", "requireHttps": false,
              "clientId": "x", "clientSecretSetting": "Introspection:Secret", "unavailableStatus": 401, "timeout": "2s" } },
            { "id": "opaque-wrong-secret", "type": "introspection", "introspection": { "endpoint": {{J(Idp.IntrospectionUrl)}}, "requireHttps": false,
              "clientId": "{{TestAuthorizationServer.ClientId}}", "clientSecretSetting": "PORTICO_TEST_WRONG_SECRET" } }
          ],
          "routes": [
            { "id": "api", "auth": "opaque", "match": { "path": "/api" }, "backend": "api", "authorization": { "scopes": [ "orders.read" ] } },
            { "id": "forwarding", "auth": "opaque", "match": { "path": "/forwarding" }, "backend": "api", "forwardAuthorization": true },
            { "id": "down-401", "auth": "opaque-401", "match": { "path": "/down-401" }, "backend": "api" },
            { "id": "wrong-secret", "auth": "opaque-wrong-secret", "match": { "path": "/wrong-secret" }, "backend": "api" }
          ]
        }
        """;

        protected override Dictionary<string, string?> Settings() => new()
        {
            ["Introspection:Secret"] = TestAuthorizationServer.ClientSecret,
            ["PORTICO_TEST_WRONG_SECRET"] = "not-the-secret",
        };
    }

    private readonly int _backendCalls = fixture.Backend.Count;
    private readonly int _introspectionCalls = fixture.Idp.IntrospectionCalls;
    private readonly int _logged = fixture.Gateway.Logs.Entries.Count;

    private TestAuthorizationServer Idp => fixture.Idp;

    /// <summary>Calls the backend received during this test.</summary>
    private int BackendCalls => fixture.Backend.Count - _backendCalls;

    /// <summary>Calls the introspection endpoint received during this test.</summary>
    private int IntrospectionCalls => Idp.IntrospectionCalls - _introspectionCalls;

    private Task<HttpResponseMessage> CallAsync(string path, string token) => fixture.GetAsync(path, Bearer(token));

    private string ActiveToken(string clientId = "partner-app", string scope = "orders.read")
    {
        var token = "opaque-" + Guid.NewGuid().ToString("N");
        Idp.SetIntrospection(token, new JsonObject
        {
            ["active"] = true,
            ["client_id"] = clientId,
            ["sub"] = "user-7",
            ["scope"] = scope,
            ["exp"] = TestTokens.Unix(TimeProvider.System.GetUtcNow().AddMinutes(10)),
        });
        return token;
    }

    [Fact]
    public async Task Introspection_ActiveToken_PassesWithIdentityAndIsCached()
    {
        var token = ActiveToken();
        for (int i = 0; i < 3; i++)
        {
            using var response = await CallAsync("/api", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, IntrospectionCalls);
        var seen = fixture.Backend.LastRequest;
        Assert.Equal("partner-app", seen.Header("X-Portico-Consumer"));
        Assert.Equal("user-7", seen.Header("X-Portico-Subject"));
        Assert.Equal("introspection", seen.Header("X-Portico-Auth-Method"));
        Assert.Null(seen.Header("Authorization")); // an opaque token is for the gateway only, by default
    }

    [Fact]
    public async Task Introspection_RouteForwardingAuthorization_KeepsTheHeader()
    {
        var token = ActiveToken();
        using var response = await CallAsync("/forwarding", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + token, fixture.Backend.LastRequest.Header("Authorization"));
    }

    [Fact]
    public async Task Introspection_InactiveOrUnknownToken_Is401AndCachedBriefly()
    {
        var token = "opaque-" + Guid.NewGuid().ToString("N");
        Idp.SetIntrospection(token, new JsonObject { ["active"] = false });
        for (int i = 0; i < 2; i++)
        {
            using var response = await CallAsync("/api", token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "invalid-token");
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, IntrospectionCalls);
        Assert.Equal(0, BackendCalls);
    }

    [Fact]
    public async Task Introspection_ActiveTokenOfADisabledConsumer_Is401()
    {
        using var response = await CallAsync("/api", ActiveToken("blocked-app"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, BackendCalls);
    }

    [Fact]
    public async Task Introspection_ActiveTokenWithoutTheScope_Is403InsufficientScope()
    {
        using var response = await CallAsync("/api", ActiveToken(scope: "profile"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "insufficient-scope");
        Assert.Contains("scope=\"orders.read\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, BackendCalls);
    }

    [Fact]
    public async Task Introspection_EndpointDown_Is503NeverAPass()
    {
        var token = ActiveToken();
        Idp.Down = true;
        try
        {
            using var response = await CallAsync("/api", token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "auth-unavailable");
            Assert.Equal(0, BackendCalls);
            Assert.Contains(fixture.Gateway.Logs.Entries.Skip(_logged), e => e.EventId.Id == 320);
        }
        finally
        {
            Idp.Down = false;
        }

        // Failures are not cached: back up, the same token passes.
        using var after = await CallAsync("/api", token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Introspection_EndpointUnreachableWithUnavailableStatus401_Is401()
    {
        using var response = await CallAsync("/down-401", "opaque-anything");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, BackendCalls);
    }

    [Fact]
    public async Task Introspection_GatewayClientSecretRefused_Is503()
    {
        using var response = await CallAsync("/wrong-secret", ActiveToken());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, BackendCalls);
    }
}
