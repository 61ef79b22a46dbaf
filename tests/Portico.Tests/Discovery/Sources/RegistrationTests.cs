using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portico.Configuration;
using Portico.Discovery.Sources;
using Portico.Registry;
using Portico.Storage.Tables;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>
/// Instances registering themselves through the admin API: they serve traffic at once on the instance that took the
/// registration, on every gateway instance through Table storage, leave when they deregister or stop heartbeating.
/// </summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task Register_ThenDeregister_TrafficFollowsAndTheAdminViewShowsTheSource()
    {
        var key = AdminTestKit.NewKey();
        await using var instance = await TestBackend.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));

        using (var before = await gateway.Client.GetAsync("/r/x"))
        {
            await RegistrationGateway.ProblemAsync(before, HttpStatusCode.ServiceUnavailable, "no-healthy-destination"); // nothing registered yet
        }

        using var registered = await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url = instance.Url, weight = 2, metadata = new { zone = "z1" }, ttl = "1m" });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var answer = await AdminTestKit.ReadJsonAsync(registered);
        Assert.Equal(60, answer.GetProperty("ttlSeconds").GetInt32());
        Assert.False(answer.GetProperty("shared").GetBoolean()); // file mode, no storage: this instance's memory
        Assert.Equal(key.Id, answer.GetProperty("registrant").GetString());

        Assert.True(await Eventually.TrueAsync(async () => (await RegistrationGateway.DestinationsAsync(gateway, key.Key)).Length == 1, TimeSpan.FromSeconds(10)));
        using (var proxied = await gateway.Client.GetAsync("/r/x"))
        {
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        }

        Assert.Equal(1, instance.Count);
        var destination = Assert.Single(await RegistrationGateway.DestinationsAsync(gateway, key.Key));
        Assert.Equal(instance.Url, destination.GetProperty("url").GetString());
        Assert.Equal("registration", destination.GetProperty("source").GetString());
        Assert.Equal(2, destination.GetProperty("weight").GetInt32());
        Assert.Equal("z1", destination.GetProperty("metadata").GetProperty("zone").GetString());
        Assert.True(destination.GetProperty("lastSeen").GetDateTimeOffset() <= TimeProvider.System.GetUtcNow()); // the gateway runs on the system clock here
        using (var list = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b/instances", key.Key))
        {
            var instances = (await AdminTestKit.ReadJsonAsync(list)).GetProperty("instances").EnumerateArray().ToArray();
            Assert.Equal(instance.Url, Assert.Single(instances).GetProperty("url").GetString());
        }

        using var deregistered = await RegistrationGateway.DeregisterAsync(gateway, key.Key, instance.Url);
        Assert.Equal(HttpStatusCode.OK, deregistered.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => (await RegistrationGateway.DestinationsAsync(gateway, key.Key)).Length == 0, TimeSpan.FromSeconds(10)));
        using var after = await gateway.Client.GetAsync("/r/x");
        await RegistrationGateway.ProblemAsync(after, HttpStatusCode.ServiceUnavailable, "no-healthy-destination");
        Assert.Equal(1, instance.Count);
        using var again = await RegistrationGateway.DeregisterAsync(gateway, key.Key, instance.Url);
        await RegistrationGateway.ProblemAsync(again, HttpStatusCode.NotFound, "instance-not-found");
    }

    [Fact]
    public async Task Reload_RegistryChangedElsewhere_ARegisteredDestinationKeepsItsState()
    {
        var key = AdminTestKit.NewKey();
        await using var instance = await TestBackend.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));
        (await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url = instance.Url })).Dispose();
        Assert.True(await Eventually.TrueAsync(() => Destinations(gateway).Length == 1, TimeSpan.FromSeconds(10)));
        var before = Destinations(gateway)[0];
        var runtime = gateway.Services.GetRequiredService<RegistryRuntime>();
        var revision = runtime.Current.Revision;

        await gateway.WriteConfigAsync(RegistrationGateway.Registry().Replace("\"http://127.0.0.1:9\"", "\"http://127.0.0.1:10\"", StringComparison.Ordinal));
        Assert.True(await Eventually.TrueAsync(() => runtime.Current.Revision != revision, TimeSpan.FromSeconds(20)));

        Assert.Same(before, Assert.Single(Destinations(gateway))); // requests in flight and health carry over the reload
    }

    [Theory]
    [InlineData("""{ "weight": 1 }""", "'url' is required")]
    [InlineData("""{ "url": "ftp://10.0.0.1" }""", "not an absolute http or https URL")]
    [InlineData("""{ "url": "http://u:p@10.0.0.1" }""", "must not carry a query, a fragment or credentials")]
    [InlineData("""{ "url": "http://10.0.0.1", "weight": 0 }""", "'weight' must be a whole number between 1 and 1000")]
    [InlineData("""{ "url": "http://10.0.0.1", "ttl": "1s" }""", "'ttl' must be between 5s and 1h")]
    [InlineData("""{ "url": "http://10.0.0.1", "ttl": "soon" }""", "'ttl' must be a duration")]
    [InlineData("""{ "url": "http://10.0.0.1", "metadata": { "zone": 1 } }""", "'metadata' holds names")]
    [InlineData("""{ "url": "http://10.0.0.1", "port": 80 }""", "unknown field 'port'")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{ "url": """, "not JSON")]
    [InlineData("""{ "url": "http://10.0.0.1", "metadata": { "zone": "\ud800" } }""", "not JSON: it is not UTF-8 text, or a \\u escape leaves a surrogate unpaired")]
    [InlineData("{ \"url\": \"http://10.0.0.1/\u00FF\" }", "not JSON: it is not UTF-8 text")]
    public async Task Register_InvalidBody_400NamingTheProblem(string body, string detail)
    {
        var key = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));

        // Latin-1: every body is ASCII but the one with U+00FF, which goes as the byte 0xFF (not UTF-8).
        using var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = new("application/json");
        using var response = await RegistrationGateway.SendAsync(gateway, HttpMethod.Put, "/_portico/admin/backends/b/instances", key.Key, content);

        var problem = await RegistrationGateway.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid-registration");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")] // what a cross-site form or fetch may send without a CORS preflight
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Register_BodyNotDeclaredJson_415AndNothingRegistered(string? contentType)
    {
        var key = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));
        using var content = new ByteArrayContent("{ \"url\": \"http://127.0.0.1:9\" }"u8.ToArray());
        content.Headers.ContentType = contentType is null ? null : new(contentType);

        using var response = await RegistrationGateway.SendAsync(gateway, HttpMethod.Put, "/_portico/admin/backends/b/instances", key.Key, content);

        var problem = await RegistrationGateway.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        Assert.Equal("send the body as application/json", problem.GetProperty("detail").GetString());
        using var list = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b/instances", key.Key);
        Assert.Empty((await AdminTestKit.ReadJsonAsync(list)).GetProperty("instances").EnumerateArray());
    }

    [Fact]
    public async Task Register_WrongBackendCallerOrMethod_RefusedWithAPreciseProblem()
    {
        var key = AdminTestKit.NewKey();
        var other = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(
            RegistrationGateway.Registry($", \"registrants\": [\"{key.Id}\"]"), AdminTestKit.KeySettings(key, other));
        var body = new { url = "http://10.0.0.1:80" };

        using var plain = await RegistrationGateway.RegisterAsync(gateway, key.Key, body, backend: "plain");
        await RegistrationGateway.ProblemAsync(plain, HttpStatusCode.Conflict, "registration-not-enabled");
        using var missing = await RegistrationGateway.RegisterAsync(gateway, key.Key, body, backend: "nope");
        await RegistrationGateway.ProblemAsync(missing, HttpStatusCode.NotFound, "backend-not-found");
        using var notRegistrant = await RegistrationGateway.RegisterAsync(gateway, other.Key, body);
        await RegistrationGateway.ProblemAsync(notRegistrant, HttpStatusCode.Forbidden, "forbidden");
        using var anonymous = await RegistrationGateway.SendAsync(gateway, HttpMethod.Put, "/_portico/admin/backends/b/instances", null, System.Net.Http.Json.JsonContent.Create(body));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var putBackend = await RegistrationGateway.SendAsync(gateway, HttpMethod.Put, "/_portico/admin/backends/b", key.Key, null);
        await RegistrationGateway.ProblemAsync(putBackend, HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        using var listedByOther = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b/instances", other.Key);
        Assert.Equal(HttpStatusCode.OK, listedByOther.StatusCode); // reading is any admin's

        using var registered = await RegistrationGateway.RegisterAsync(gateway, key.Key, body);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
    }

    [Fact]
    public async Task Register_TableStorage_EveryGatewayInstanceServesTheInstance()
    {
        var key = AdminTestKit.NewKey();
        await using var instance = await TestBackend.StartAsync();
        var settings = new Dictionary<string, string?>(AdminTestKit.KeySettings(key))
        {
            ["Portico:Storage:ConnectionString"] = await Azurite.ConnectionStringAsync(),
            ["Portico:Discovery:InstancesTableName"] = Azurite.NewTableName("inst"),
        };
        var registry = RegistrationGateway.Registry(", \"refreshInterval\": \"1s\"");
        await using var first = await GatewayHost.StartWithFileAsync(registry, settings);
        await using var second = await GatewayHost.StartWithFileAsync(registry, settings);

        using var registered = await RegistrationGateway.RegisterAsync(first, key.Key, new { url = instance.Url });
        Assert.True((await AdminTestKit.ReadJsonAsync(registered)).GetProperty("shared").GetBoolean());

        // The other instance learns it from the table on its next refresh, with no call of its own.
        Assert.True(await Eventually.TrueAsync(async () => (await RegistrationGateway.DestinationsAsync(second, key.Key)).Length == 1, TimeSpan.FromSeconds(20)));
        using var proxied = await second.Client.GetAsync("/r/x");
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal(1, instance.Count);
    }

    [Fact]
    public async Task Refresh_NoHeartbeatWithinTheTtl_TheInstanceDisappearsAndItsEntryIsRemoved()
    {
        var clock = new TestClock();
        var table = Azurite.NewTableName("inst");
        await using var kit = new SourceTestKit(clock, o =>
        {
            o.Storage.ConnectionString = Azurite.ConnectionStringAsync().GetAwaiter().GetResult();
            o.Discovery.InstancesTableName = table;
        });
        var source = (RegistrationSource)kit.Source(new DiscoveryDefinition { Type = "registration" });
        var store = source.Store;
        Assert.IsType<TableInstanceStore>(store);
        var now = clock.GetUtcNow();
        var metadata = new Dictionary<string, string> { ["zone"] = "z1" };
        await store.UpsertAsync(new InstanceRecord("b", "http://10.0.0.1:80", 1, metadata, now, now + TimeSpan.FromSeconds(30), "k1"), CancellationToken.None);
        await store.UpsertAsync(new InstanceRecord("b", "http://10.0.0.2:80", 3, metadata, now, now + TimeSpan.FromSeconds(90), "k2"), CancellationToken.None);
        await store.UpsertAsync(new InstanceRecord("other", "http://10.0.0.3:80", 1, metadata, now, now + TimeSpan.FromSeconds(90), "k3"), CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(10), await source.RefreshAsync(CancellationToken.None));
        Assert.Equal(["http://10.0.0.1:80", "http://10.0.0.2:80"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.Equal("z1", source.Current.Destinations[0].Definition.Metadata!["zone"]);
        Assert.Equal(3, source.Current.Destinations[1].Definition.Weight);

        clock.Advance(TimeSpan.FromSeconds(31)); // the first one's TTL ran out without a heartbeat
        await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://10.0.0.2:80"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.Equal(["http://10.0.0.2:80"], (await store.ListAsync("b", CancellationToken.None)).Select(r => r.Url)); // and its entry is gone
    }

    [Fact]
    public async Task Refresh_StorageDown_KeepsTheLastKnownInstances()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var clock = new TestClock();
        await using var kit = new SourceTestKit(clock, o => o.Storage.ConnectionString = azurite.ConnectionString);
        var source = (RegistrationSource)kit.Source(new DiscoveryDefinition { Type = "registration" });
        var now = clock.GetUtcNow();
        await source.Store.UpsertAsync(new InstanceRecord("b", "http://10.0.0.1:80", 1, new Dictionary<string, string>(), now, now.AddMinutes(5), "k"), CancellationToken.None);
        await source.RefreshAsync(CancellationToken.None);

        azurite.Kill();
        Assert.Null(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(["http://10.0.0.1:80"], source.Current.Destinations.Select(d => d.Definition.Url));
        Assert.NotNull(source.LastError);
        Assert.Equal(1, kit.Metrics.Sum("portico.discovery.refreshes", ("outcome", "failed"), ("source", "registration")));
    }

    [Fact]
    public async Task Register_UnderLoad_InstancesReplacedWithoutOneFailedRequest()
    {
        var key = AdminTestKit.NewKey();
        await using var a = await TestBackend.StartAsync();
        await using var b = await TestBackend.StartAsync();
        await using var c = await TestBackend.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));
        (await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url = a.Url })).Dispose();
        Assert.True(await Eventually.TrueAsync(() => Urls(gateway).Length == 1, TimeSpan.FromSeconds(10)));

        await using var load = new LoadLoop(gateway.Client, "/r/x", concurrency: 8);
        Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));
        (await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url = b.Url })).Dispose();
        (await RegistrationGateway.RegisterAsync(gateway, key.Key, new { url = c.Url })).Dispose();
        Assert.True(await Eventually.TrueAsync(() => Urls(gateway).Length == 3, TimeSpan.FromSeconds(10)));
        Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));
        (await RegistrationGateway.DeregisterAsync(gateway, key.Key, a.Url)).Dispose();
        Assert.True(await Eventually.TrueAsync(() => !Urls(gateway).Contains(a.Url), TimeSpan.FromSeconds(10)));
        await a.DisposeAsync(); // gone from the list: new requests no longer choose it
        Assert.True(await load.WaitForMoreAsync(200), string.Join("; ", load.Failures.Take(5)));

        await load.DisposeAsync();
        Assert.Empty(load.Failures);
        Assert.True(a.Count > 0 && b.Count > 0 && c.Count > 0, "every instance served while registered");
    }

    private static string[] Urls(GatewayHost gateway) => [.. Destinations(gateway).Select(d => d.Url)];

    private static Portico.Discovery.Destination[] Destinations(GatewayHost gateway) =>
        gateway.Services.GetRequiredService<RegistryRuntime>().Current.Backends["b"].Cluster!.Destinations;
}
