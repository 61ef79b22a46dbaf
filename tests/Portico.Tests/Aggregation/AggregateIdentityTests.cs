using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portico.Aggregation;
using Portico.Auth;
using Portico.Configuration;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;
using static Portico.Tests.Infrastructure.TestRequests;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Composite routes behind real authentication: authentication runs once for the client request, every part call
/// carries the verified identity (headers, and a gateway-signed identity token whose audience is the part's own
/// backend), part templates read identity values and claims, and a refused credential calls no backend at all.
/// </summary>
public sealed class AggregateIdentityTests(AggregateIdentityTests.Fixture fixture) : IClassFixture<AggregateIdentityTests.Fixture>
{
    private const string Audience = "api://mobile";

    /// <summary>One gateway for the class: no test changes it, and each counts the backends' calls from before its own.</summary>
    public sealed class Fixture : AuthenticatedGateway
    {
        private readonly ECDsa _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly (string Key, string Id) _apiKey = ApiKeyFormat.Generate();

        /// <summary>The orders backend; <see cref="AuthServers.Backend"/> is the profiles backend.</summary>
        public TestBackend Orders { get; private set; } = null!;

        public string ApiKey => _apiKey.Key;

        protected override RequestDelegate BackendHandler => JsonHandlers.Fixed("""{"name":"Ada"}""");

        public override async Task InitializeAsync()
        {
            Orders = await TestBackend.StartAsync(JsonHandlers.Fixed("""[{"id":1}]"""));
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Orders.DisposeAsync();
            _signingKey.Dispose();
        }

        protected override string Registry() => $$"""
        {
          "backends": [ { "id": "profiles", "url": {{J(Backend.Url)}} }, { "id": "orders", "url": {{J(Orders.Url)}} } ],
          "consumers": [ { "id": "partner-app" }, { "id": "kiosk" } ],
          "apiKeys": [ {{RegistryJson.ApiKey(_apiKey.Id, "kiosk", ApiKey)}} ],
          "authPolicies": [
            { "id": "users", "type": "jwt", "jwt": { "consumerClaim": "azp", "issuers": [ {{Idp.IssuerJson(Audience)}} ] } },
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
        """;

        protected override Dictionary<string, string?> Settings() => new() { ["Portico:Auth:IdentityToken:SigningKey"] = _signingKey.ExportPkcs8PrivateKeyPem() };
    }

    private TestBackend Profiles => fixture.Backend;

    private TestBackend Orders => fixture.Orders;

    private GatewayHost Gateway => fixture.Gateway;

    private string Token(string? tenant = "blue") => fixture.Idp.RsaToken(Audience, TimeProvider.System.GetUtcNow(), (_, payload) =>
    {
        payload["sub"] = "ada@example.com";
        if (tenant is not null)
        {
            payload["tenant"] = tenant;
        }
    });

    private Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers) => fixture.GetAsync(path, headers);

    [Fact]
    public async Task Aggregate_VerifiedJwt_EveryPartGetsTheIdentityAndTemplatesReadIt()
    {
        using var response = await GetAsync("/home", Bearer(Token()), ("X-Portico-Consumer", "admin"), ("X-Portico-Auth-Method", "mtls"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"me":{"name":"Ada"},"orders":[{"id":1}]}""", await response.Content.ReadAsStringAsync());

        var me = Profiles.LastRequest;
        Assert.Equal("/users/partner-app", me.Path);
        Assert.Equal("?sub=ada%40example.com&via=jwt", me.Query);
        Assert.Equal("blue", me.Header("X-Tenant"));
        foreach (var call in new[] { me, Orders.LastRequest })
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
        using var response = await GetAsync("/home", Bearer(Token()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var jwksResponse = await Gateway.Client.GetAsync("/_portico/.well-known/jwks.json");
        var keys = new JsonWebKeySet(await jwksResponse.Content.ReadAsStringAsync()).GetSigningKeys();
        foreach (var (backend, audience) in new[] { (Profiles, "profiles"), (Orders, "orders") })
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
        var profilesToken = Profiles.LastRequest.Header("X-Portico-Identity-Token");
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
        using var response = await GetAsync("/kiosk", ("X-Api-Key", fixture.ApiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Profiles.LastRequest;
        Assert.Equal("/users/kiosk", call.Path);
        Assert.Equal("kiosk", call.Header("X-Portico-Consumer"));
        Assert.Equal("apiKey", call.Header("X-Portico-Auth-Method"));
        Assert.DoesNotContain(call.Headers, h => h.Value.Contains(fixture.ApiKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/home", null, null, "authentication-required")]
    [InlineData("/home", "Authorization", "Bearer not-a-token", "invalid-token")]
    [InlineData("/kiosk", null, null, "authentication-required")]
    [InlineData("/kiosk", "X-Api-Key", "pk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrongwrongwro", "invalid-api-key")]
    public async Task Aggregate_RefusedCredential_401AndNoPartIsCalled(string path, string? header, string? value, string code)
    {
        var before = Profiles.Count + Orders.Count;

        using var response = header is null ? await GetAsync(path) : await GetAsync(path, (header, value!));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, code);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        Assert.Equal(before, Profiles.Count + Orders.Count);
    }

    [Fact]
    public async Task Aggregate_ClaimMissing_400BeforeAnyBackendCall()
    {
        var before = Profiles.Count + Orders.Count;

        using var response = await GetAsync("/home", Bearer(Token(tenant: null)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "missing-input");
        Assert.Contains("claim 'tenant'", problem.GetProperty("detail").GetString());
        Assert.Equal(before, Profiles.Count + Orders.Count);
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
        var snapshot = Gateway.Services.GetRequiredService<RegistryRuntime>().Current;

        var result = Gateway.Services.GetRequiredService<AggregateCompiler>().Compile(
            route, route.Aggregate, RoutePatternFactory.Parse("/me"), snapshot.Backends, (field, message) => errors.Add($"{field}: {message}"));

        Assert.Null(result);
        Assert.Contains(errors, e => e.StartsWith("aggregate.parts[0].path: part 'me':", StringComparison.Ordinal) && e.Contains("the route is anonymous", StringComparison.Ordinal));
    }
}
