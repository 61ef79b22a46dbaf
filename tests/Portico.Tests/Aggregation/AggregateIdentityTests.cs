using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Aggregation;
using Portico.Auth;
using Portico.Configuration;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Auth.AuthTestRegistry;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Composite routes behind real authentication: authentication runs once for the client request, every part call
/// carries the verified identity (headers, and a gateway-signed identity token whose audience is the part's own
/// backend), part templates read identity values and claims, and a refused credential calls no backend at all.
/// </summary>
public sealed class AggregateIdentityTests : IAsyncLifetime
{
    private const string Audience = "api://mobile";
    private TestAuthorizationServer _idp = null!;
    private TestBackend _profiles = null!;
    private TestBackend _orders = null!;
    private GatewayHost _gateway = null!;
    private ECDsa _signingKey = null!;
    private string _apiKey = "";

    public async Task InitializeAsync()
    {
        _idp = await TestAuthorizationServer.StartAsync();
        _profiles = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"name":"Ada"}"""));
        _orders = await TestBackend.StartAsync(JsonHandlers.Fixed("""[{"id":1}]"""));
        _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (_apiKey, var keyId) = ApiKeyFormat.Generate();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "profiles", "url": {{J(_profiles.Url)}} }, { "id": "orders", "url": {{J(_orders.Url)}} } ],
          "consumers": [ { "id": "partner-app" }, { "id": "kiosk" } ],
          "apiKeys": [ { "id": "{{keyId}}", "consumer": "kiosk", "hash": "{{ApiKeyFormat.Hash(_apiKey)}}" } ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "consumerClaim": "azp", "issuers": [
              { "issuer": {{J(_idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "jwksUrl": {{J(_idp.JwksUrl)}}, "requireHttps": false } ] } },
            { "id": "kiosks", "type": "apiKey" }
          ],
          "routes": [
            { "id": "home", "auth": "users", "match": { "path": "/home" }, "identityToken": true,
              "aggregate": { "parts": [
                { "name": "me", "backend": "profiles", "path": "/users/{identity.consumerId}?sub={identity.subject}&via={identity.method}",
                  "headers": { "X-Tenant": "{claim.tenant}" } },
                { "name": "orders", "backend": "orders", "path": "/orders" } ] } },
            { "id": "kiosk-home", "auth": "kiosks", "match": { "path": "/kiosk" },
              "aggregate": { "parts": [ { "name": "me", "backend": "profiles", "path": "/users/{identity.consumerId}" } ] } }
          ]
        }
        """, new Dictionary<string, string?> { ["Portico:Auth:IdentityToken:SigningKey"] = _signingKey.ExportPkcs8PrivateKeyPem() });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _orders.DisposeAsync();
        await _profiles.DisposeAsync();
        await _idp.DisposeAsync();
        _signingKey.Dispose();
    }

    private string Token(string? tenant = "blue") => _idp.RsaToken(Audience, TimeProvider.System.GetUtcNow(), (_, payload) =>
    {
        payload["sub"] = "ada@example.com";
        if (tenant is not null)
        {
            payload["tenant"] = tenant;
        }
    });

    private async Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Aggregate_VerifiedJwt_EveryPartGetsTheIdentityAndTemplatesReadIt()
    {
        using var response = await GetAsync("/home", ("Authorization", "Bearer " + Token()), ("X-Portico-Consumer", "admin"), ("X-Portico-Auth-Method", "mtls"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"me":{"name":"Ada"},"orders":[{"id":1}]}""" + "\n", await response.Content.ReadAsStringAsync());

        var me = _profiles.LastRequest;
        Assert.Equal("/users/partner-app", me.Path);
        Assert.Equal("?sub=ada%40example.com&via=jwt", me.Query);
        Assert.Equal("blue", me.Header("X-Tenant"));
        foreach (var call in new[] { me, _orders.LastRequest })
        {
            // The verified identity, never what the client sent under the same names.
            Assert.Equal("partner-app", call.Header("X-Portico-Consumer"));
            Assert.Equal("ada@example.com", call.Header("X-Portico-Subject"));
            Assert.Equal("jwt", call.Header("X-Portico-Auth-Method"));
            Assert.Equal("orders.read profile", call.Header("X-Portico-Scopes"));
            Assert.Equal("reader", call.Header("X-Portico-Roles"));
            Assert.Null(call.Header("Authorization")); // a part sends only what its template says
        }
    }

    [Fact]
    public async Task Aggregate_IdentityTokenRoute_EachPartGetsATokenForItsOwnBackend()
    {
        using var response = await GetAsync("/home", ("Authorization", "Bearer " + Token()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var jwksResponse = await _gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
        var keys = new JsonWebKeySet(await jwksResponse.Content.ReadAsStringAsync()).GetSigningKeys();
        foreach (var (backend, audience) in new[] { (_profiles, "profiles"), (_orders, "orders") })
        {
            var token = backend.LastRequest.Header("X-Portico-Identity-Token");
            Assert.NotNull(token);
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = "portico",
                ValidAudience = audience,
                IssuerSigningKeys = keys,
                ValidAlgorithms = ["ES256"],
            });
            Assert.True(result.IsValid, $"{audience}: {result.Exception?.Message}");
            Assert.Equal("partner-app", result.Claims["consumer_id"]);
            Assert.Equal("home", result.Claims["route"]);
        }

        // A token meant for one part's backend is not accepted as one for the other.
        var profilesToken = _profiles.LastRequest.Header("X-Portico-Identity-Token");
        var crossed = await new JsonWebTokenHandler().ValidateTokenAsync(profilesToken, new TokenValidationParameters
        {
            ValidIssuer = "portico",
            ValidAudience = "orders",
            IssuerSigningKeys = keys,
            ValidAlgorithms = ["ES256"],
        });
        Assert.False(crossed.IsValid);
    }

    [Fact]
    public async Task Aggregate_ApiKey_PartsGetTheKeysConsumerAndNeverTheKey()
    {
        using var response = await GetAsync("/kiosk", ("X-Api-Key", _apiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = _profiles.LastRequest;
        Assert.Equal("/users/kiosk", call.Path);
        Assert.Equal("kiosk", call.Header("X-Portico-Consumer"));
        Assert.Equal("apiKey", call.Header("X-Portico-Auth-Method"));
        Assert.DoesNotContain(call.Headers, h => h.Value.Contains(_apiKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/home", null, null, "authentication-required")]
    [InlineData("/home", "Authorization", "Bearer not-a-token", "invalid-token")]
    [InlineData("/kiosk", null, null, "authentication-required")]
    [InlineData("/kiosk", "X-Api-Key", "pk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrongwrongwro", "invalid-api-key")]
    public async Task Aggregate_RefusedCredential_401AndNoPartIsCalled(string path, string? header, string? value, string code)
    {
        var before = _profiles.Count + _orders.Count;

        using var response = header is null ? await GetAsync(path) : await GetAsync(path, (header, value!));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, code);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        Assert.Equal(before, _profiles.Count + _orders.Count);
    }

    [Fact]
    public async Task Aggregate_ClaimMissing_400BeforeAnyBackendCall()
    {
        var before = _profiles.Count + _orders.Count;

        using var response = await GetAsync("/home", ("Authorization", "Bearer " + Token(tenant: null)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "missing-input");
        Assert.Contains("claim 'tenant'", problem.GetProperty("detail").GetString());
        Assert.Equal(before, _profiles.Count + _orders.Count);
    }

    [Fact]
    public void Compile_IdentityOnAnAnonymousRoute_IsRefused()
    {
        var errors = new List<string>();
        var route = new RouteDefinition
        {
            Id = "me",
            Auth = "anonymous",
            Match = new RouteMatchDefinition { Path = "/me" },
            Aggregate = new AggregateDefinition
            {
                Parts = [new AggregatePartDefinition { Name = "me", Backend = "profiles", Path = "/users/{identity.consumerId}" }],
            },
        };
        var snapshot = _gateway.Services.GetRequiredService<RegistryRuntime>().Current;

        var result = _gateway.Services.GetRequiredService<AggregateCompiler>().Compile(
            route, route.Aggregate, RoutePatternFactory.Parse("/me"), snapshot.Backends, (field, message) => errors.Add($"{field}: {message}"));

        Assert.Null(result);
        Assert.Contains(errors, e => e.StartsWith("aggregate.parts[0].path: part 'me':", StringComparison.Ordinal) && e.Contains("the route is anonymous", StringComparison.Ordinal));
    }
}
