using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Auth.AuthTestRegistry;

namespace Portico.Tests.Auth;

/// <summary>
/// What a backend receives after authentication: the verified identity in Portico's headers (never the client's
/// spoofed ones), the client's <c>Authorization</c> only where it should be, and a gateway-signed identity token
/// it can verify with the gateway's JWKS.
/// </summary>
public sealed class IdentityForwardingTests : IAsyncLifetime
{
    private const string Audience = "api://orders";
    private TestAuthorizationServer _idp = null!;
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private RSA _staticKey = null!;
    private ECDsa _signingKey = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        _backend = await TestBackend.StartAsync();
        _staticKey = RSA.Create(2048);
        _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "orders", "url": {{J(_backend.Url)}} } ],
          "consumers": [ { "id": "partner-app", "displayName": "Partner" }, { "id": "blocked-app", "status": "disabled" } ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "consumerClaim": "azp", "issuers": [
              { "issuer": {{J(_idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "jwksUrl": {{J(_idp.JwksUrl)}}, "requireHttps": false },
              { "issuer": "https://static.example/", "audiences": [ "{{Audience}}" ], "algorithms": [ "RS256" ], "publicKeys": [ {{J(_staticKey.ExportSubjectPublicKeyInfoPem())}} ] } ] } }
          ],
          "routes": [
            { "id": "orders", "auth": "users", "match": { "path": "/orders" }, "backend": "orders" },
            { "id": "signed", "auth": "users", "match": { "path": "/signed" }, "backend": "orders", "identityToken": true, "forwardAuthorization": false },
            { "id": "readers", "auth": "users", "match": { "path": "/readers" }, "backend": "orders", "authorization": { "roles": [ "reader" ], "claims": { "azp": [ "partner-app" ] } } },
            { "id": "admins", "auth": "users", "match": { "path": "/admins" }, "backend": "orders", "authorization": { "roles": [ "admin" ] } },
            { "id": "either", "auth": "users", "match": { "path": "/either" }, "backend": "orders", "authorization": { "require": "anyOf", "roles": [ "admin" ], "scopes": [ "orders.read" ] } }
          ]
        }
        """, new Dictionary<string, string?> { ["Portico:Auth:IdentityToken:SigningKey"] = _signingKey.ExportPkcs8PrivateKeyPem() });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
        _staticKey.Dispose();
        _signingKey.Dispose();
    }

    private async Task<HttpResponseMessage> CallAsync(string path, string token, params (string Name, string Value)[] extra)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        foreach (var (name, value) in extra)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Forward_VerifiedJwt_BackendGetsIdentityHeadersAndTheClientsAuthorization()
    {
        var token = _idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());
        using var response = await CallAsync("/orders", token, ("X-Portico-Consumer", "admin"), ("X-Portico-Scopes", "everything"), ("x-portico-subject", "root"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = _backend.LastRequest;
        Assert.Equal("partner-app", seen.Header("X-Portico-Consumer"));
        Assert.Equal("user-1", seen.Header("X-Portico-Subject"));
        Assert.Equal("orders.read profile", seen.Header("X-Portico-Scopes"));
        Assert.Equal("reader", seen.Header("X-Portico-Roles"));
        Assert.Equal("jwt", seen.Header("X-Portico-Auth-Method"));
        Assert.Equal("Bearer " + token, seen.Header("Authorization"));
    }

    [Fact]
    public async Task Forward_TokenOfAStaticPemIssuer_IsAccepted()
    {
        var now = TimeProvider.System.GetUtcNow();
        var token = _idp.Token(Audience, now, "RS256", "any", TestTokens.Rs256(_staticKey), (h, p) =>
        {
            h.Remove("kid"); // static keys are tried without a kid
            p["iss"] = "https://static.example/";
            p["sub"] = "static-user";
        });

        using var response = await CallAsync("/orders", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("static-user", _backend.LastRequest.Header("X-Portico-Subject"));
    }

    [Fact]
    public async Task Forward_ConsumerClaimNamingADisabledConsumer_IsRefused()
    {
        var token = _idp.RsaToken(Audience, TimeProvider.System.GetUtcNow(), (_, p) => p["azp"] = "blocked-app");
        using var response = await CallAsync("/orders", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "invalid-token");
        Assert.Equal(0, _backend.Count);
    }

    [Fact]
    public async Task Forward_IdentityTokenRoute_BackendCanVerifyTheTokenWithTheGatewaysJwks()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var response = await CallAsync("/signed", _idp.RsaToken(Audience, now));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = _backend.LastRequest;
        Assert.Null(seen.Header("Authorization")); // forwardAuthorization: false
        var identityToken = seen.Header("X-Portico-Identity-Token");
        Assert.NotNull(identityToken);

        using var jwksResponse = await _gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, jwksResponse.StatusCode);
        var jwks = new JsonWebKeySet(await jwksResponse.Content.ReadAsStringAsync());
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(identityToken, new TokenValidationParameters
        {
            ValidIssuer = "portico",
            ValidAudience = "orders",
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("user-1", result.Claims["sub"]);
        Assert.Equal("partner-app", result.Claims["consumer_id"]);
        Assert.Equal("signed", result.Claims["route"]);
        var exp = DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(result.Claims["exp"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(exp - now, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120));

        // A token signed by anyone else does not verify against the gateway's keys.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "portico",
            Audience = "orders",
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(other) { KeyId = jwks.Keys[0].Kid }, SecurityAlgorithms.EcdsaSha256),
        });
        var forgedResult = await new JsonWebTokenHandler().ValidateTokenAsync(forged, new TokenValidationParameters
        {
            ValidIssuer = "portico",
            ValidAudience = "orders",
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.False(forgedResult.IsValid);
    }

    [Fact]
    public async Task Authorize_RolesAndClaims_AllOfAndAnyOf()
    {
        var now = TimeProvider.System.GetUtcNow();
        using (var readers = await CallAsync("/readers", _idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.OK, readers.StatusCode);
        }

        using (var admins = await CallAsync("/admins", _idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, admins.StatusCode);
            await ProblemAssert.ReadAsync(admins, "forbidden");
            Assert.Empty(admins.Headers.WwwAuthenticate);
        }

        using (var either = await CallAsync("/either", _idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.OK, either.StatusCode);
        }

        using (var neither = await CallAsync("/either", _idp.RsaToken(Audience, now, (_, p) => p["scope"] = "profile")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, neither.StatusCode);
        }

        Assert.Equal(2, _backend.Count);
    }

    [Fact]
    public async Task Jwks_PublishesTheSigningKeysPublicPartOnly()
    {
        using var response = await _gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var key = Assert.Single(json.GetProperty("keys").EnumerateArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _));
    }
}
