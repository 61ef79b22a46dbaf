using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Portico.Auth;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Admin;

/// <summary>
/// <c>GET /_portico/admin/registry</c> over a real gateway: its documented shape, every kind of secret hidden from the
/// answer and the logs, and the last refused revision with located errors.
/// </summary>
public sealed class AdminRegistryEndpointTests : IAsyncLifetime
{
    private const string IntrospectionSecret = "introspection-secret-value-31337";
    private const string MetadataSecret = "metadata-secret-value-42";
    private const string MetadataToken = "metadata-token-value-43";
    private const string BackendCredential = "backend-credential-value-44";

    private readonly AdminKey _admin = NewKey();
    private readonly (string Key, string Id) _consumerKey = ApiKeyFormat.Generate();
    private readonly RSA _misplacedPrivateKey = RSA.Create(2048);
    private RSAParameters _private;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _private = _misplacedPrivateKey.ExportParameters(true);
        var settings = KeySettings(_admin);
        settings["Introspection:Secret"] = IntrospectionSecret;
        _gateway = await GatewayHost.StartWithFileAsync(Registry(), settings);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _misplacedPrivateKey.Dispose();
    }

    private string Registry(string routeId = "profile") => $$"""
    {
      "backends": [ { "id": "users", "url": "http://127.0.0.1:9" } ],
      "consumers": [ { "id": "ops", "plan": "gold", "metadata": { "team": "platform", "billingSecret": "{{MetadataSecret}}", "apiToken": "{{MetadataToken}}",
        "notes": {{J(_misplacedPrivateKey.ExportPkcs8PrivateKeyPem())}} } } ],
      "rateLimitPolicies": [ { "id": "steady", "rate": { "requests": 10, "per": "1s" } } ],
      "plans": [ { "id": "gold", "policies": [ "steady" ] } ],
      "apiKeys": [ { "id": "{{_consumerKey.Id}}", "consumer": "ops", "hash": "{{ApiKeyFormat.Hash(_consumerKey.Key)}}" } ],
      "authPolicies": [
        { "id": "keys", "type": "apiKey" },
        { "id": "opaque", "type": "introspection", "introspection": { "endpoint": "http://127.0.0.1:9/introspect", "requireHttps": false,
          "clientId": "portico", "clientSecretSetting": "Introspection:Secret" } },
        { "id": "static-jwks", "type": "jwt", "jwt": { "issuers": [ { "issuer": "https://issuer.example/", "audiences": [ "api" ],
          "jwks": { "keys": [ {{PrivateJwk()}} ] } } ] } }
      ],
      "routes": [
        { "id": "{{routeId}}", "auth": "keys", "match": { "path": "/profile/{id}", "methods": [ "GET" ] },
          "aggregate": { "parts": [ { "name": "user", "backend": "users", "path": "/users/{route.id}",
            "headers": { "Authorization": "Bearer {{BackendCredential}}", "X-Request-Source": "portico" } } ] } },
        { "id": "maintenance", "auth": "anonymous", "match": { "path": "/legacy" }, "static": { "status": 503, "headers": { "Retry-After": "60" }, "body": "Closed while we rotate our private key." } }
      ]
    }
    """;

    /// <summary>An RSA JWK with its private members, as an operator might paste by mistake (Portico only needs the public ones).</summary>
    private string PrivateJwk() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["kty"] = "RSA", ["kid"] = "pasted", ["n"] = TestTokens.B64(_private.Modulus!), ["e"] = TestTokens.B64(_private.Exponent!),
        ["d"] = TestTokens.B64(_private.D!), ["p"] = TestTokens.B64(_private.P!), ["q"] = TestTokens.B64(_private.Q!),
        ["dp"] = TestTokens.B64(_private.DP!), ["dq"] = TestTokens.B64(_private.DQ!), ["qi"] = TestTokens.B64(_private.InverseQ!),
    });

    private async Task<(string Body, JsonElement Json)> GetAsync()
    {
        using var response = await SendAsync(_gateway, RegistryPath, bearer: _admin.Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        return (body, JsonDocument.Parse(body).RootElement);
    }

    [Fact]
    public async Task Registry_Answer_HasTheDocumentedShape()
    {
        var (_, json) = await GetAsync();
        var runtime = (RegistryRuntime)_gateway.Services.GetService(typeof(RegistryRuntime))!;

        Assert.Equal(["loaded", "store", "revision", "contentHash", "loadedAt", "counts", "registry", "lastRejected"], json.EnumerateObject().Select(p => p.Name));
        Assert.True(json.GetProperty("loaded").GetBoolean());
        Assert.Equal(runtime.Current.Revision, json.GetProperty("revision").GetString());
        Assert.Equal(runtime.Current.LoadedAt, json.GetProperty("loadedAt").GetDateTimeOffset());
        Assert.Equal("file " + _gateway.ConfigPath, json.GetProperty("store").GetString());
        Assert.Equal(
            """{"routes":2,"backends":1,"consumers":1,"authPolicies":3,"apiKeys":1,"rateLimitPolicies":1,"plans":1}""",
            JsonSerializer.Serialize(json.GetProperty("counts")));
        var registry = json.GetProperty("registry");
        Assert.Equal("/profile/{id}", registry.GetProperty("routes")[0].GetProperty("match").GetProperty("path").GetString());
        Assert.Equal("gold", registry.GetProperty("plans")[0].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("lastRejected").ValueKind);
    }

    [Fact]
    public async Task Registry_Secrets_AreHiddenAndSettingNamesKept()
    {
        var (body, json) = await GetAsync();
        var registry = json.GetProperty("registry");

        string[] secrets =
        [
            ApiKeyFormat.Hash(_consumerKey.Key), IntrospectionSecret, MetadataSecret, MetadataToken, BackendCredential,
            TestTokens.B64(_private.D!), TestTokens.B64(_private.P!), TestTokens.B64(_private.Q!),
            TestTokens.B64(_private.DP!), TestTokens.B64(_private.DQ!), TestTokens.B64(_private.InverseQ!),
        ];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            AssertNotLogged(_gateway, secret);
        }

        Assert.Equal("(redacted)", registry.GetProperty("apiKeys")[0].GetProperty("hash").GetString());
        Assert.Equal(_consumerKey.Id, registry.GetProperty("apiKeys")[0].GetProperty("id").GetString());
        Assert.Equal("Introspection:Secret", registry.GetProperty("authPolicies")[1].GetProperty("introspection").GetProperty("clientSecretSetting").GetString());
        var metadata = registry.GetProperty("consumers")[0].GetProperty("metadata");
        Assert.Equal("platform", metadata.GetProperty("team").GetString());
        Assert.Equal("(redacted)", metadata.GetProperty("billingSecret").GetString());
        Assert.Equal("(redacted)", metadata.GetProperty("apiToken").GetString());
        var jwk = registry.GetProperty("authPolicies")[2].GetProperty("jwt").GetProperty("issuers")[0].GetProperty("jwks").GetProperty("keys")[0];
        Assert.Equal(TestTokens.B64(_private.Modulus!), jwk.GetProperty("n").GetString());
        Assert.Equal("(redacted)", jwk.GetProperty("d").GetString());
        var headers = registry.GetProperty("routes")[0].GetProperty("aggregate").GetProperty("parts")[0].GetProperty("headers");
        Assert.Equal("(redacted)", headers.GetProperty("Authorization").GetString());
        Assert.Equal("portico", headers.GetProperty("X-Request-Source").GetString());
        var maintenance = registry.GetProperty("routes")[1].GetProperty("static");
        Assert.Equal("60", maintenance.GetProperty("headers").GetProperty("Retry-After").GetString());
        Assert.Equal("Closed while we rotate our private key.", maintenance.GetProperty("body").GetString()); // words are not keys
        Assert.Equal("(redacted)", metadata.GetProperty("notes").GetString());
        Assert.DoesNotContain("PRIVATE KEY", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registry_AfterARefusedEdit_ShowsTheRefusedRevisionWithLocatedErrors()
    {
        var live = (await GetAsync()).Json.GetProperty("revision").GetString();
        var broken = Registry().Replace("\"methods\": [ \"GET\" ]", "\"methods\": [ \"GET\" ], \"bogus\": true");
        var line = broken.Split('\n').Select((text, i) => (text, i)).First(l => l.text.Contains("bogus")).i + 1;

        await _gateway.WriteConfigAsync(broken);
        var runtime = (RegistryRuntime)_gateway.Services.GetService(typeof(RegistryRuntime))!;
        Assert.True(await Eventually.TrueAsync(() => runtime.LastRejected is not null, TimeSpan.FromSeconds(10)));

        var (_, json) = await GetAsync();
        Assert.Equal(live, json.GetProperty("revision").GetString());
        var rejected = json.GetProperty("lastRejected");
        Assert.Equal(["revision", "rejectedAt", "superseded", "errorCount", "errors"], rejected.EnumerateObject().Select(p => p.Name));
        Assert.NotEqual(live, rejected.GetProperty("revision").GetString());
        Assert.False(rejected.GetProperty("superseded").GetBoolean());
        Assert.Equal(1, rejected.GetProperty("errorCount").GetInt32());
        var error = rejected.GetProperty("errors")[0];
        Assert.Equal(_gateway.ConfigPath, error.GetProperty("file").GetString());
        Assert.Equal(line, error.GetProperty("line").GetInt32());
        Assert.True(error.GetProperty("column").GetInt32() > 0);
        Assert.StartsWith(_gateway.ConfigPath + ":" + line + ":", error.GetProperty("location").GetString());
        Assert.Contains("bogus", error.GetProperty("message").GetString());

        await _gateway.WriteConfigAsync(Registry(routeId: "profile-v2"));
        Assert.True(await Eventually.TrueAsync(() => runtime.Current.Document.Routes[0].Id == "profile-v2", TimeSpan.FromSeconds(10)));
        var (_, after) = await GetAsync();
        Assert.NotEqual(live, after.GetProperty("revision").GetString());
        Assert.True(after.GetProperty("lastRejected").GetProperty("superseded").GetBoolean());
        Assert.Equal(rejected.GetProperty("revision").GetString(), after.GetProperty("lastRejected").GetProperty("revision").GetString());
    }

    [Fact]
    public async Task Registry_SemanticError_NamesItemAndField()
    {
        await _gateway.WriteConfigAsync(Registry().Replace("\"backend\": \"users\"", "\"backend\": \"nobody\""));
        var runtime = (RegistryRuntime)_gateway.Services.GetService(typeof(RegistryRuntime))!;
        Assert.True(await Eventually.TrueAsync(() => runtime.LastRejected is not null, TimeSpan.FromSeconds(10)));

        var error = (await GetAsync()).Json.GetProperty("lastRejected").GetProperty("errors")[0];

        Assert.Equal("route 'profile'", error.GetProperty("item").GetString());
        Assert.StartsWith("aggregate.parts[0]", error.GetProperty("field").GetString());
        Assert.StartsWith("$.routes[0].aggregate.parts[0]", error.GetProperty("path").GetString());
        Assert.Contains("nobody", error.GetProperty("message").GetString());
    }
}
