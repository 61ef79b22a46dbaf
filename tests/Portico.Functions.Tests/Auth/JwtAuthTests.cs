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
public sealed class JwtAuthTests : IAsyncLifetime
{
    private const string Audience = "api://orders";

    private TestAuthorizationServer _idp = null!;
    private TestBackend _backend = null!;
    private FunctionsGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        _backend = await TestBackend.StartAsync();
        _gateway = await FunctionsGateway.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "orders", "url": {{JsonSerializer.Serialize(_backend.Url)}} } ],
          "consumers": [ { "id": "partner-app", "displayName": "Partner" } ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "tokenType": "at+jwt", "consumerClaim": "azp", "issuers": [
              { "issuer": {{JsonSerializer.Serialize(_idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "algorithms": [ "RS256", "ES256" ],
                "discoveryUrl": {{JsonSerializer.Serialize(_idp.DiscoveryUrl)}}, "requireHttps": false } ] } }
          ],
          "routes": [ { "id": "orders", "auth": "users", "match": { "path": "/orders" }, "backend": "orders" } ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
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

        return await _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Request_TokensSignedByTheIssuer_BackendSeesTheVerifiedIdentityNotTheForgedOne()
    {
        var now = TimeProvider.System.GetUtcNow();
        foreach (var token in new[] { _idp.RsaToken(Audience, now), _idp.EcToken(Audience, now) })
        {
            using var response = await CallAsync(token, ("X-Portico-Consumer", "admin"), ("X-Portico-Subject", "root"));

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}{Environment.NewLine}{_gateway.Log}");
            var seen = _backend.LastRequest;
            Assert.Equal("partner-app", seen.Header("X-Portico-Consumer"));
            Assert.Equal("user-1", seen.Header("X-Portico-Subject"));
            Assert.Equal("orders.read profile", seen.Header("X-Portico-Scopes"));
            Assert.Equal("jwt", seen.Header("X-Portico-Auth-Method"));
        }

        Assert.Equal(1, _idp.DiscoveryFetches);
    }

    [Fact]
    public async Task Request_MissingForgedExpiredOrForeignToken_401WithABearerChallengeAndTheBackendIsNotCalled()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var otherKey = RSA.Create(2048);
        string?[] refused =
        [
            null,
            _idp.Token(Audience, now, "RS256", _idp.RsaKid, TestTokens.Rs256(otherKey)),
            _idp.RsaToken(Audience, now.AddHours(-2)),
            _idp.RsaToken("api://somebody-else", now),
            _idp.Token(Audience, now, "none", _idp.RsaKid, sign: null),
        ];
        foreach (var token in refused)
        {
            using var response = await CallAsync(token);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, _backend.Count);
    }
}
