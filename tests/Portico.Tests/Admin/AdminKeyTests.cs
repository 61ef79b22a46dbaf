using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;

namespace Portico.Tests.Admin;

/// <summary>Admin keys from the gateway settings, over a real gateway: every way in and every refusal, audited.</summary>
public sealed class AdminKeyTests : IAsyncLifetime
{
    private readonly AdminKey _key = NewKey();
    private readonly AdminKey _other = NewKey(); // well formed, never configured
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, KeySettings(_key));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Registry_AdminKeyAsBearer_Answers200AndAuditsTheKeyId()
    {
        using var response = await SendAsync(_gateway, RegistryPath, bearer: _key.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("hello", (await ReadJsonAsync(response)).GetProperty("registry").GetProperty("routes")[0].GetProperty("id").GetString());
        var audit = await OnlyAuditAsync(_gateway);
        Assert.Equal(_key.Id, audit["Principal"]);
        Assert.Equal("adminKey", audit["AuthMethod"]);
        Assert.Equal("127.0.0.1", audit["Client"]);
        Assert.Equal("GET", audit["Method"]);
        Assert.Equal(RegistryPath, audit["Path"]);
        Assert.Equal(200, audit["StatusCode"]);
        Assert.Equal("allowed", audit["Outcome"]);
        AssertNotLogged(_gateway, _key.Key);
        AssertNotLogged(_gateway, _key.Hash);
    }

    [Fact]
    public async Task Registry_AdminKeyInItsHeader_Answers200()
    {
        using var response = await SendAsync(_gateway, RegistryPath, headers: ("X-Portico-Admin-Key", _key.Key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Registry_NoCredential_Answers401WithBearerChallengeAndAudits()
    {
        using var response = await SendAsync(_gateway, RegistryPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"portico\"", response.Headers.WwwAuthenticate.ToString());
        await ProblemAssert.ReadAsync(response, "authentication-required");
        var audit = await OnlyAuditAsync(_gateway);
        Assert.Equal("-", audit["Principal"]);
        Assert.Equal(401, audit["StatusCode"]);
        Assert.Equal("missing", audit["Outcome"]);
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 601 && e.Message.Contains("missing"));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("tampered")]
    [InlineData("not-a-key")]
    public async Task Registry_WrongKey_Answers401InvalidTokenAndNeverLogsIt(string kind)
    {
        var presented = kind switch
        {
            "unknown" => _other.Key,
            "tampered" => _key.Key[..^1] + (_key.Key[^1] == 'A' ? 'B' : 'A'),
            _ => "pk_" + new string('x', 56),
        };

        using var response = await SendAsync(_gateway, RegistryPath, headers: ("X-Portico-Admin-Key", presented));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"portico\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        await ProblemAssert.ReadAsync(response, "invalid-api-key");
        var audit = await OnlyAuditAsync(_gateway);
        Assert.Equal("-", audit["Principal"]);
        Assert.Equal("invalid-key", audit["Outcome"]);
        AssertNotLogged(_gateway, presented);
    }

    [Fact]
    public async Task Registry_BearerThatIsNotAKeyAndNoPolicy_Answers401InvalidToken()
    {
        using var response = await SendAsync(_gateway, RegistryPath, bearer: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "invalid-token");
        Assert.Equal("invalid-token", (await OnlyAuditAsync(_gateway))["Outcome"]);
    }

    [Fact]
    public async Task Registry_KeyHeaderAndBearerTogether_Answers401Malformed()
    {
        using var response = await SendAsync(_gateway, RegistryPath, bearer: _key.Key, headers: ("X-Portico-Admin-Key", _key.Key));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("malformed", (await OnlyAuditAsync(_gateway))["Outcome"]);
    }

    [Fact]
    public async Task AdminArea_UnknownPath_Answers401WithoutCredentialsAnd404WithThem()
    {
        using var anonymous = await SendAsync(_gateway, "/_portico/admin/secret-feature");
        using var admin = await SendAsync(_gateway, "/_portico/admin/secret-feature", bearer: _key.Key);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
        await ProblemAssert.ReadAsync(admin, "route-not-found");
        var audit = Assert.Single(await AuditAsync(_gateway, 2), a => Equals(a["Principal"], _key.Id));
        Assert.Equal(404, audit["StatusCode"]);
        Assert.Equal("allowed", audit["Outcome"]);
    }

    [Fact]
    public async Task Registry_OtherCaseOfThePath_IsStillGuarded()
    {
        using var response = await SendAsync(_gateway, "/_PORTICO/Admin/REGISTRY");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Registry_Post_Answers405WithAllowAfterAuthentication()
    {
        using var anonymous = await SendAsync(_gateway, RegistryPath, method: HttpMethod.Post);
        using var admin = await SendAsync(_gateway, RegistryPath, bearer: _key.Key, method: HttpMethod.Post);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, admin.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", admin.Content.Headers.Allow));
        await ProblemAssert.ReadAsync(admin, "method-not-allowed");
        Assert.Equal([401, 405], (await AuditAsync(_gateway, 2)).Select(a => (int)a["StatusCode"]!).Order());
    }

    [Fact]
    public async Task Registry_Head_Answers200WithoutBody()
    {
        using var response = await SendAsync(_gateway, RegistryPath, bearer: _key.Key, method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("HEAD", (await OnlyAuditAsync(_gateway))["Method"]);
    }

    [Fact]
    public async Task Routes_OrdinaryRequest_IsNotAudited()
    {
        using var response = await SendAsync(_gateway, "/hello", bearer: _key.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Audit(_gateway));
    }
}
