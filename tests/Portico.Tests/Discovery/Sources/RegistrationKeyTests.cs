using System.Net;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>
/// A backend's own registration keys (issue 15: "a service registers itself with its own credential"): they register,
/// renew and deregister that backend's instances and nothing else; and the bounds on what any registrant may register.
/// </summary>
public sealed class RegistrationKeyTests
{
    [Fact]
    public async Task RegistrationKey_OwnBackend_RegistersRenewsAndDeregisters()
    {
        var admin = AdminTestKit.NewKey();
        var service = AdminTestKit.NewKey();
        await using var instance = await TestBackend.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(service), AdminTestKit.KeySettings(admin));

        using var registered = await RegistrationGateway.RegisterAsync(gateway, service.Key, new { url = instance.Url });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(service.Id, (await AdminTestKit.ReadJsonAsync(registered)).GetProperty("registrant").GetString());
        using var renewed = await RegistrationGateway.RegisterAsync(gateway, service.Key, new { url = instance.Url }); // the heartbeat
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/r/x")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)));

        using var deregistered = await RegistrationGateway.DeregisterAsync(gateway, service.Key, instance.Url);
        Assert.Equal(HttpStatusCode.OK, deregistered.StatusCode);
        var audit = AdminTestKit.Audit(gateway);
        Assert.Contains(audit, e => Equals(e["Principal"], service.Id) && Equals(e["AuthMethod"], "registrationKey") && Equals(e["StatusCode"], 200) && Equals(e["Method"], "DELETE"));
        AdminTestKit.AssertNotLogged(gateway, service.Key);
    }

    [Fact]
    public async Task RegistrationKey_AnotherBackendOrAnotherAdminCall_403()
    {
        var admin = AdminTestKit.NewKey();
        var service = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(service), AdminTestKit.KeySettings(admin));
        var body = new { url = "http://10.0.0.1:8080" };

        using var otherBackend = await RegistrationGateway.RegisterAsync(gateway, service.Key, body, backend: "other");
        var problem = await RegistrationGateway.ProblemAsync(otherBackend, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("backend 'b'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var otherDeregister = await RegistrationGateway.DeregisterAsync(gateway, service.Key, "http://10.0.0.1:8080", backend: "other");
        await RegistrationGateway.ProblemAsync(otherDeregister, HttpStatusCode.Forbidden, "forbidden");
        foreach (var path in new[] { "/_portico/admin/backends", "/_portico/admin/backends/b", "/_portico/admin/backends/b/instances", "/_portico/admin/registry" })
        {
            using var read = await AdminTestKit.SendAsync(gateway, path, service.Key);
            await RegistrationGateway.ProblemAsync(read, HttpStatusCode.Forbidden, "forbidden");
        }

        using var registered = await RegistrationGateway.RegisterAsync(gateway, service.Key, body); // its own backend still works
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
    }

    [Fact]
    public async Task RegistrationKey_WrongSecretOrUnknownKey_401AndAdminKeyStillWorks()
    {
        var admin = AdminTestKit.NewKey();
        var service = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(service), AdminTestKit.KeySettings(admin));
        var body = new { url = "http://10.0.0.1:8080" };
        var wrongSecret = service.Key[..^4] + (service.Key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var wrong = await RegistrationGateway.RegisterAsync(gateway, wrongSecret, body);
        await RegistrationGateway.ProblemAsync(wrong, HttpStatusCode.Unauthorized, "invalid-api-key");
        using var unknown = await RegistrationGateway.RegisterAsync(gateway, AdminTestKit.NewKey().Key, body);
        await RegistrationGateway.ProblemAsync(unknown, HttpStatusCode.Unauthorized, "invalid-api-key");

        using var byAdmin = await RegistrationGateway.RegisterAsync(gateway, admin.Key, body);
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        using var adminOnOther = await RegistrationGateway.RegisterAsync(gateway, admin.Key, new { url = "http://10.0.0.2:8080" }, backend: "other");
        Assert.Equal(HttpStatusCode.OK, adminOnOther.StatusCode);
        using var list = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b/instances", admin.Key);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "discovery.registration.allowedNetworks")]
    [InlineData("http://[::1]:8080", "discovery.registration.allowedNetworks")]
    [InlineData("http://169.254.169.254", "discovery.registration.allowedNetworks")]
    [InlineData("http://[fe80::1]:8080", "discovery.registration.allowedNetworks")]
    [InlineData("http://0.0.0.0:8080", "discovery.registration.allowedNetworks")]
    [InlineData("http://[::ffff:127.0.0.1]:8080", "discovery.registration.allowedNetworks")]
    [InlineData("http://localhost:8080", "discovery.registration.allowedHosts")]
    [InlineData("http://api.localhost:8080", "discovery.registration.allowedHosts")]
    public async Task Register_DefaultBounds_RefusesThisMachineAndTheLinkNamingTheField(string url, string field)
    {
        var admin = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(registration: "{}"), AdminTestKit.KeySettings(admin));

        using var refused = await RegistrationGateway.RegisterAsync(gateway, admin.Key, new { url });

        var problem = await RegistrationGateway.ProblemAsync(refused, HttpStatusCode.Forbidden, "registration-address-not-allowed");
        Assert.Equal(field, problem.GetProperty("field").GetString());
        using var ordinary = await RegistrationGateway.RegisterAsync(gateway, admin.Key, new { url = "http://10.1.2.3:8080" });
        Assert.Equal(HttpStatusCode.OK, ordinary.StatusCode); // an ordinary address needs no list
    }

    [Fact]
    public async Task Register_AllowListsPortsCountAndTtl_EachBoundRefusedNamingItsField()
    {
        var admin = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(
            RegistrationGateway.Registry(registration: """{ "allowedNetworks": ["10.0.0.0/24"], "allowedHosts": ["*.svc.internal"], "allowedPorts": [8080], "maxInstances": 2, "maxTtl": "1m" }"""),
            AdminTestKit.KeySettings(admin));

        async Task RefusedAsync(object body, HttpStatusCode status, string code, string field)
        {
            using var response = await RegistrationGateway.RegisterAsync(gateway, admin.Key, body);
            var problem = await RegistrationGateway.ProblemAsync(response, status, code);
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        await RefusedAsync(new { url = "http://10.0.1.1:8080" }, HttpStatusCode.Forbidden, "registration-address-not-allowed", "discovery.registration.allowedNetworks");
        await RefusedAsync(new { url = "http://db.other.internal:8080" }, HttpStatusCode.Forbidden, "registration-address-not-allowed", "discovery.registration.allowedHosts");
        await RefusedAsync(new { url = "http://10.0.0.1:22" }, HttpStatusCode.Forbidden, "registration-address-not-allowed", "discovery.registration.allowedPorts");
        await RefusedAsync(new { url = "http://10.0.0.1:8080", ttl = "2m" }, HttpStatusCode.BadRequest, "invalid-registration", "ttl");

        foreach (var url in new[] { "http://10.0.0.1:8080", "https://a.svc.internal:8080" })
        {
            using var registered = await RegistrationGateway.RegisterAsync(gateway, admin.Key, new { url, ttl = "1m" });
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        await RefusedAsync(new { url = "http://10.0.0.3:8080" }, HttpStatusCode.Forbidden, "too-many-instances", "discovery.registration.maxInstances");
        using var heartbeat = await RegistrationGateway.RegisterAsync(gateway, admin.Key, new { url = "http://10.0.0.1:8080" }); // a renewal is not a new instance
        Assert.Equal(HttpStatusCode.OK, heartbeat.StatusCode);
    }

    /// <summary>Backends <c>b</c> and <c>other</c> take registrations; <paramref name="key"/> is <c>b</c>'s registration key.</summary>
    private static string Registry(AdminTestKit.AdminKey key) => $$"""
    {
      "backends": [
        { "id": "b", "discovery": { "type": "registration", "registration": { "keys": [ { "id": "{{key.Id}}", "hash": "{{key.Hash}}" } ], "allowedNetworks": ["127.0.0.0/8", "10.0.0.0/8"] } } },
        { "id": "other", "discovery": { "type": "registration", "registration": { "allowedNetworks": ["10.0.0.0/8"] } } }
      ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b" } ]
    }
    """;
}
