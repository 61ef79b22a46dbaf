using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Auth;

/// <summary>
/// JWT authentication through the Functions app, with tokens signed by a real issuer on loopback whose keys the worker
/// fetches through OpenID discovery: a valid token reaches the backend as a verified identity, anything else is a 401.
/// </summary>
public sealed class JwtAuthTests(JwtAuthTests.App app) : IClassFixture<JwtAuthTests.App>
{
    private const string Audience = "api://orders";

    private TestAuthorizationServer Idp => app.Idp;

    /// <summary>One worker for the class: a JWT route whose issuer publishes its keys through OpenID discovery.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TestAuthorizationServer Idp { get; private set; } = null!;

        public TestBackend Backend { get; private set; } = null!;

        public FunctionsGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Idp = await TestAuthorizationServer.StartAsync();
            Backend = await TestBackend.StartAsync();
            Gateway = await FunctionsGateway.StartWithFileAsync($$"""
            {
              "backends": [ { "id": "orders", "url": {{JsonSerializer.Serialize(Backend.Url)}} } ],
              "consumers": [ { "id": "partner-app", "displayName": "Partner" } ],
              "authPolicies": [
                { "id": "users", "type": "jwt", "jwt": { "tokenType": "at+jwt", "consumerClaim": "azp", "issuers": [
                  { "issuer": {{JsonSerializer.Serialize(Idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "algorithms": [ "RS256", "ES256" ],
                    "discoveryUrl": {{JsonSerializer.Serialize(Idp.DiscoveryUrl)}}, "requireHttps": false } ] } }
              ],
              "routes": [ { "id": "orders", "auth": "users", "match": { "path": "/orders" }, "backend": "orders" } ]
            }
            """);
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
            await Idp.DisposeAsync();
        }
    }

    private async Task<HttpResponseMessage> CallAsync(string? token, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await app.Gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Request_TokensSignedByTheIssuer_BackendSeesTheVerifiedIdentityNotTheForgedOne()
    {
        var now = TimeProvider.System.GetUtcNow();
        foreach (var token in new[] { Idp.RsaToken(Audience, now), Idp.EcToken(Audience, now) })
        {
            using var response = await CallAsync(token, ("X-Portico-Consumer", "admin"), ("X-Portico-Subject", "root"));

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}{Environment.NewLine}{app.Gateway.Log}");
            var seen = app.Backend.LastRequest;
            Assert.Equal("partner-app", seen.Header("X-Portico-Consumer"));
            Assert.Equal("user-1", seen.Header("X-Portico-Subject"));
            Assert.Equal("orders.read profile", seen.Header("X-Portico-Scopes"));
            Assert.Equal("jwt", seen.Header("X-Portico-Auth-Method"));
        }

        // Discovery is fetched once for the worker's life, not per request.
        Assert.Equal(1, Idp.DiscoveryFetches);
    }

    [Fact]
    public async Task Request_MissingForgedExpiredOrForeignToken_401WithABearerChallengeAndTheBackendIsNotCalled()
    {
        var now = TimeProvider.System.GetUtcNow();
        var before = app.Backend.Count;
        using var otherKey = RSA.Create(2048);
        string?[] refused =
        [
            null,
            Idp.Token(Audience, now, "RS256", Idp.RsaKid, TestTokens.Rs256(otherKey)),
            Idp.RsaToken(Audience, now.AddHours(-2)),
            Idp.RsaToken("api://somebody-else", now),
            Idp.Token(Audience, now, "none", Idp.RsaKid, sign: null),
        ];
        foreach (var token in refused)
        {
            using var response = await CallAsync(token);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(before, app.Backend.Count);
    }
}
