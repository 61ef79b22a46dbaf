using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Auth;

/// <summary>
/// What a backend receives after authentication: the verified identity in Portico's headers (never the client's
/// spoofed ones), the client's <c>Authorization</c> only where it should be, and a gateway-signed identity token
/// it can verify with the gateway's JWKS.
/// </summary>
public sealed class IdentityForwardingTests(IdentityForwardingTests.Fixture fixture) : IClassFixture<IdentityForwardingTests.Fixture>
{
    private const string Audience = "api://orders";

    /// <summary>One gateway for the class: no test changes it, and each counts the backend's calls from before its own.</summary>
    public sealed class Fixture : AuthenticatedGateway
    {
        public RSA StaticKey { get; } = RSA.Create(2048);

        private ECDsa SigningKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        protected override string Registry() => $$"""
        {
          "backends": [ { "id": "orders", "url": {{J(Backend.Url)}} } ],
          "consumers": [ { "id": "partner-app", "displayName": "Partner" }, { "id": "blocked-app", "status": "disabled" } ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "consumerClaim": "azp", "issuers": [
              {{Idp.IssuerJson(Audience)}},
              { "issuer": "https://static.example/", "audiences": [ "{{Audience}}" ], "algorithms": [ "RS256" ], "publicKeys": [ {{J(StaticKey.ExportSubjectPublicKeyInfoPem())}} ] } ] } }
          ],
          "routes": [
            { "id": "orders", "auth": "users", "match": { "path": "/orders" }, "backend": "orders" },
            { "id": "signed", "auth": "users", "match": { "path": "/signed" }, "backend": "orders", "identityToken": true, "forwardAuthorization": false },
            { "id": "readers", "auth": "users", "match": { "path": "/readers" }, "backend": "orders", "authorization": { "roles": [ "reader" ], "claims": { "azp": [ "partner-app" ] } } },
            { "id": "admins", "auth": "users", "match": { "path": "/admins" }, "backend": "orders", "authorization": { "roles": [ "admin" ] } },
            { "id": "either", "auth": "users", "match": { "path": "/either" }, "backend": "orders", "authorization": { "require": "anyOf", "roles": [ "admin" ], "scopes": [ "orders.read" ] } }
          ]
        }
        """;

        protected override Dictionary<string, string?> Settings() => new() { ["Portico:Auth:IdentityToken:SigningKey"] = SigningKey.ExportPkcs8PrivateKeyPem() };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            StaticKey.Dispose();
            SigningKey.Dispose();
        }
    }

    private TestAuthorizationServer Idp => fixture.Idp;

    private TestBackend Backend => fixture.Backend;

    private Task<HttpResponseMessage> CallAsync(string path, string token, params (string Name, string Value)[] extra) =>
        fixture.GetAsync(path, [Bearer(token), .. extra]);

    [Fact]
    public async Task Forward_VerifiedJwt_BackendGetsIdentityHeadersAndTheClientsAuthorization()
    {
        var token = Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow());
        using var response = await CallAsync("/orders", token, ("X-Portico-Consumer", "admin"), ("X-Portico-Scopes", "everything"), ("x-portico-subject", "root"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Backend.LastRequest;
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
        var token = Idp.Token(Audience, now, "RS256", "any", TestTokens.Rs256(fixture.StaticKey), (h, p) =>
        {
            h.Remove("kid"); // static keys are tried without a kid
            p["iss"] = "https://static.example/";
            p["sub"] = "static-user";
        });

        using var response = await CallAsync("/orders", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("static-user", Backend.LastRequest.Header("X-Portico-Subject"));
    }

    [Fact]
    public async Task Forward_ConsumerClaimNamingADisabledConsumer_IsRefused()
    {
        var before = Backend.Count;
        var token = Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow(), (_, p) => p["azp"] = "blocked-app");
        using var response = await CallAsync("/orders", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "invalid-token");
        Assert.Equal(before, Backend.Count);
    }

    [Fact]
    public async Task Forward_IdentityTokenRoute_BackendCanVerifyTheTokenWithTheGatewaysJwks()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var response = await CallAsync("/signed", Idp.RsaToken(Audience, now));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Backend.LastRequest;
        Assert.Null(seen.Header("Authorization")); // forwardAuthorization: false
        var identityToken = seen.Header("X-Portico-Identity-Token");
        Assert.NotNull(identityToken);

        using var jwksResponse = await fixture.Gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
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
        var before = Backend.Count;
        var now = TimeProvider.System.GetUtcNow();
        using (var readers = await CallAsync("/readers", Idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.OK, readers.StatusCode);
        }

        using (var admins = await CallAsync("/admins", Idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, admins.StatusCode);
            await ProblemAssert.ReadAsync(admins, "forbidden");
            Assert.Empty(admins.Headers.WwwAuthenticate);
        }

        using (var either = await CallAsync("/either", Idp.RsaToken(Audience, now)))
        {
            Assert.Equal(HttpStatusCode.OK, either.StatusCode);
        }

        using (var neither = await CallAsync("/either", Idp.RsaToken(Audience, now, (_, p) => p["scope"] = "profile")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, neither.StatusCode);
        }

        Assert.Equal(before + 2, Backend.Count);
    }

    [Fact]
    public async Task Jwks_PublishesTheSigningKeysPublicPartOnly()
    {
        using var response = await fixture.Gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var key = Assert.Single(json.GetProperty("keys").EnumerateArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _));
    }
}
