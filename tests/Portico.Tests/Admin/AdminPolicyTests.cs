using System.Net;
using System.Text.Json.Nodes;
using Portico.Auth;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Admin;

/// <summary>
/// Admins verified by a registry authentication policy: real JWTs signed by a real issuer with an app role (the Entra
/// ID way, no secret), and consumers' API keys for consumers named admin; and a registry that drops the policy.
/// </summary>
public sealed class AdminPolicyTests : IAsyncLifetime
{
    private const string Audience = "api://portico-admin";
    private TestAuthorizationServer _idp = null!;

    public async Task InitializeAsync() => _idp = await TestAuthorizationServer.StartAsync();

    public async Task DisposeAsync() => await _idp.DisposeAsync();

    private string Registry(string extraPolicies = "", string extraConsumers = "", string extraKeys = "") => $$"""
    {
      "consumers": [ { "id": "ops" }, { "id": "partner" } {{extraConsumers}} ],
      "apiKeys": [ {{extraKeys}} ],
      "authPolicies": [
        { "id": "entra", "type": "jwt", "jwt": { "tokenType": "at+jwt", "issuers": [
          { "issuer": {{J(_idp.Issuer)}}, "audiences": [ "{{Audience}}" ], "discoveryUrl": {{J(_idp.DiscoveryUrl)}}, "requireHttps": false } ] } },
        { "id": "keys", "type": "apiKey" } {{extraPolicies}}
      ],
      "routes": [ { "id": "hello", "auth": "entra", "match": { "path": "/hello" }, "static": { "body": "hi" } } ]
    }
    """;

    private Task<GatewayHost> StartAsync(Dictionary<string, string?> settings, string? registry = null) =>
        GatewayHost.StartWithFileAsync(registry ?? Registry(), settings);

    private static Dictionary<string, string?> PolicySettings(string policy, params (string Name, string Value)[] requirements)
    {
        var settings = new Dictionary<string, string?> { ["Portico:Admin:Policy"] = policy };
        foreach (var group in requirements.GroupBy(r => r.Name))
        {
            var i = 0;
            foreach (var (name, value) in group)
            {
                settings[$"Portico:Admin:{name}:{i++}"] = value;
            }
        }

        return settings;
    }

    private string Token(string[] roles, string? scope = null, DateTimeOffset? now = null) =>
        _idp.RsaToken(Audience, now ?? TimeProvider.System.GetUtcNow(), (_, payload) =>
        {
            payload["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]);
            payload["sub"] = "oid-ada";
            if (scope is not null)
            {
                payload["scope"] = scope;
            }
        });

    [Fact]
    public async Task Registry_EntraTokenWithTheAppRole_Answers200AndAuditsTheSubject()
    {
        await using var gateway = await StartAsync(PolicySettings("entra", ("Roles", "Portico.Admin")));
        var token = Token(["Portico.Admin"]);

        using var response = await SendAsync(gateway, RegistryPath, bearer: token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var audit = await OnlyAuditAsync(gateway);
        Assert.Equal("oid-ada", audit["Principal"]);
        Assert.Equal("jwt", audit["AuthMethod"]);
        Assert.Equal("allowed", audit["Outcome"]);
        AssertNotLogged(gateway, token);
        AssertNotLogged(gateway, token.Split('.')[2]);
    }

    [Fact]
    public async Task Registry_ValidTokenWithoutTheRole_Answers403AndAuditsTheRefusal()
    {
        await using var gateway = await StartAsync(PolicySettings("entra", ("Roles", "Portico.Admin")));

        using var response = await SendAsync(gateway, RegistryPath, bearer: Token(["reader"]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "forbidden");
        Assert.Contains("not an admin", problem.GetProperty("detail").GetString());
        var audit = await OnlyAuditAsync(gateway);
        Assert.Equal("oid-ada", audit["Principal"]);
        Assert.Equal(403, audit["StatusCode"]);
        Assert.Equal("forbidden", audit["Outcome"]);
    }

    [Fact]
    public async Task Registry_TokenWithoutTheScope_Answers403InsufficientScopeWithChallenge()
    {
        await using var gateway = await StartAsync(PolicySettings("entra", ("Roles", "Portico.Admin"), ("Scopes", "portico.read")));

        using var response = await SendAsync(gateway, RegistryPath, bearer: Token(["Portico.Admin"], scope: "orders.read"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "insufficient-scope");
        Assert.Equal("Bearer realm=\"portico\", error=\"insufficient_scope\", scope=\"portico.read\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Registry_ExpiredOrForeignToken_Answers401InvalidToken()
    {
        await using var gateway = await StartAsync(PolicySettings("entra", ("Roles", "Portico.Admin")));
        using var foreign = System.Security.Cryptography.RSA.Create(2048);
        var expired = Token(["Portico.Admin"], now: TimeProvider.System.GetUtcNow().AddHours(-2));
        var forged = _idp.Token(Audience, TimeProvider.System.GetUtcNow(), "RS256", _idp.RsaKid, TestTokens.Rs256(foreign),
            (_, payload) => payload["roles"] = new JsonArray("Portico.Admin"));

        foreach (var token in new[] { expired, forged })
        {
            using var response = await SendAsync(gateway, RegistryPath, bearer: token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            await ProblemAssert.ReadAsync(response, "invalid-token");
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        }

        var audit = await AuditAsync(gateway, 2);
        Assert.Equal(["-", "-"], audit.Select(a => a["Principal"]));
        Assert.All(audit, a => Assert.Equal(401, a["StatusCode"]));
    }

    [Fact]
    public async Task Registry_NoCredential_ChallengesForTheKeysAndThePolicy()
    {
        var key = NewKey();
        var settings = PolicySettings("keys", ("Consumers", "ops"));
        foreach (var (name, value) in KeySettings(key))
        {
            settings[name] = value;
        }

        await using var gateway = await StartAsync(settings);

        using var response = await SendAsync(gateway, RegistryPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"portico\", Portico-ApiKey realm=\"portico\", header=\"X-Api-Key\"", response.Headers.NonValidated["WWW-Authenticate"].ToString());
        await ProblemAssert.ReadAsync(response, "authentication-required");
    }

    [Fact]
    public async Task Registry_ConsumerApiKeyOfAnAdminConsumer_Answers200AndOthers403()
    {
        var (opsKey, opsId) = ApiKeyFormat.Generate();
        var (partnerKey, partnerId) = ApiKeyFormat.Generate();
        var keys = $$"""
            { "id": "{{opsId}}", "consumer": "ops", "hash": "{{ApiKeyFormat.Hash(opsKey)}}" },
            { "id": "{{partnerId}}", "consumer": "partner", "hash": "{{ApiKeyFormat.Hash(partnerKey)}}" }
            """;
        await using var gateway = await StartAsync(PolicySettings("keys", ("Consumers", "ops")), Registry(extraKeys: keys));

        using var ops = await SendAsync(gateway, RegistryPath, headers: ("X-Api-Key", opsKey));
        using var partner = await SendAsync(gateway, RegistryPath, headers: ("X-Api-Key", partnerKey));

        Assert.Equal(HttpStatusCode.OK, ops.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, partner.StatusCode);
        var audit = await AuditAsync(gateway, 2);
        Assert.Equal(("apiKey", "allowed"), (Assert.Single(audit, a => Equals(a["Principal"], "ops"))["AuthMethod"], Assert.Single(audit, a => Equals(a["Principal"], "ops"))["Outcome"]));
        Assert.Equal("forbidden", Assert.Single(audit, a => Equals(a["Principal"], "partner"))["Outcome"]);
        var body = await ops.Content.ReadAsStringAsync();
        Assert.DoesNotContain(ApiKeyFormat.Hash(opsKey), body);
        Assert.DoesNotContain(ApiKeyFormat.Hash(partnerKey), body);
        AssertNotLogged(gateway, opsKey);
        AssertNotLogged(gateway, partnerKey);
    }

    [Fact]
    public async Task Start_RegistryWithoutTheAdminPolicy_IsRefusedNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<RegistryLoadException>(() => StartAsync(PolicySettings("admins", ("Roles", "Portico.Admin"))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("authPolicies", error.Field);
        Assert.Contains("Portico:Admin:Policy names 'admins'", error.Message);
    }

    [Fact]
    public async Task Reload_RegistryThatDropsTheAdminPolicy_IsRejectedAndAdminsStillGetIn()
    {
        await using var gateway = await StartAsync(PolicySettings("entra", ("Roles", "Portico.Admin")));
        var withoutEntra = Registry().Replace("\"id\": \"entra\"", "\"id\": \"renamed\"").Replace("\"auth\": \"entra\"", "\"auth\": \"renamed\"");

        await gateway.WriteConfigAsync(withoutEntra);
        var runtime = (RegistryRuntime)gateway.Services.GetService(typeof(RegistryRuntime))!;
        Assert.True(await Eventually.TrueAsync(() => runtime.LastRejected is not null, TimeSpan.FromSeconds(10)));

        using var response = await SendAsync(gateway, RegistryPath, bearer: Token(["Portico.Admin"]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = (await ReadJsonAsync(response)).GetProperty("lastRejected");
        Assert.Contains("Portico:Admin:Policy names 'entra'", rejected.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.False(rejected.GetProperty("superseded").GetBoolean());
    }
}
