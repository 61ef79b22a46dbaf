using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>A bad <c>discovery</c> block is refused with the file, line and field at fault; a good one is accepted and diffed field by field.</summary>
public sealed class DiscoveryValidationTests
{
    [Theory]
    [InlineData("""{ "type": "consul" }""", "discovery.type", "'consul' is not one of 'registration', 'dns', 'etcd'")]
    [InlineData("""{ "type": "dns", "port": 80 }""", "discovery.host", "name the DNS name")]
    [InlineData("""{ "type": "dns", "host": "bad host", "port": 80 }""", "discovery.host", "name the DNS name")]
    [InlineData("""{ "type": "dns", "host": "svc.test" }""", "discovery.port", "needs the port")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 70000 }""", "discovery.port", "between 1 and 65535")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "record": "srv", "port": 80 }""", "discovery.port", "SRV record carries its own port")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "record": "mx" }""", "discovery.record", "'mx' is not 'a'")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "scheme": "ftp" }""", "discovery.scheme", "not 'http' or 'https'")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "path": "api" }""", "discovery.path", "must start with '/'")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "minTtl": "500ms" }""", "discovery.minTtl", "between 1s and 1h")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "minTtl": "1m", "maxTtl": "30s" }""", "discovery.maxTtl", "not be shorter than 'minTtl'")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "refreshInterval": "10s" }""", "discovery.refreshInterval", "applies only to 'registration' and 'etcd'")]
    [InlineData("""{ "type": "etcd", "prefix": "/p/" }""", "discovery.endpoints", "list 1 to 16 etcd client URLs")]
    [InlineData("""{ "type": "etcd", "endpoints": ["grpc://10.0.0.1:2379"], "prefix": "/p/" }""", "discovery.endpoints[0]", "not an absolute http or https URL")]
    [InlineData("""{ "type": "etcd", "endpoints": ["http://10.0.0.1:2379"] }""", "discovery.prefix", "name the key prefix")]
    [InlineData("""{ "type": "etcd", "endpoints": ["http://10.0.0.1:2379"], "prefix": "/p/", "refreshInterval": "2h" }""", "discovery.refreshInterval", "between 1s and 1h")]
    [InlineData("""{ "type": "registration", "host": "svc.test" }""", "discovery.host", "applies only to 'type': 'dns'")]
    [InlineData("""{ "type": "registration", "registrants": [] }""", "discovery.registrants", "list 1 to 100 admin principals")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "registrants": ["k"] }""", "discovery.registrants", "applies only to 'type': 'registration'")]
    [InlineData("""{ "type": "registration", "maxDestinations": 0 }""", "discovery.maxDestinations", "between 1 and 256")]
    [InlineData("""{ "type": "dns", "host": "svc.test", "port": 80, "registration": {} }""", "discovery.registration", "applies only to 'type': 'registration'")]
    [InlineData("""{ "type": "registration", "registration": { "keys": [] } }""", "discovery.registration.keys", "list 1 to 16 keys")]
    [InlineData("""{ "type": "registration", "registration": { "keys": [ { "id": "no", "hash": "00" } ] } }""", "discovery.registration.keys[0].id", "is not a key id")]
    [InlineData("""{ "type": "registration", "registration": { "keys": [ { "id": "abcdefghjkmn", "hash": "pk_live_secret" } ] } }""", "discovery.registration.keys[0].hash", "64 hexadecimal digits (never the key itself)")]
    [InlineData("""{ "type": "registration", "registration": { "allowedNetworks": ["10.0.0.0/33"] } }""", "discovery.registration.allowedNetworks[0]", "not an address or a network")]
    [InlineData("""{ "type": "registration", "registration": { "allowedHosts": ["bad host"] } }""", "discovery.registration.allowedHosts[0]", "not a host name")]
    [InlineData("""{ "type": "registration", "registration": { "allowedPorts": [0] } }""", "discovery.registration.allowedPorts", "ports between 1 and 65535")]
    [InlineData("""{ "type": "registration", "maxDestinations": 10, "registration": { "maxInstances": 11 } }""", "discovery.registration.maxInstances", "between 1 and the backend's maxDestinations (10)")]
    [InlineData("""{ "type": "registration", "registration": { "maxTtl": "2h" } }""", "discovery.registration.maxTtl", "between 5s and 1h")]
    public async Task Validate_InvalidDiscovery_NamesFileLineBackendAndField(string discovery, string field, string message)
    {
        var json = "{\n  \"backends\": [\n    {\n      \"id\": \"b\",\n      \"discovery\": " + discovery + "\n    }\n  ]\n}\n";

        var errors = await RegistryValidation.ErrorsAsync(json);

        var error = Assert.Single(errors);
        Assert.Equal("backend 'b'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Matches("^portico.json:[3-5]", error.Location);
    }

    [Fact]
    public async Task Validate_DiscoveryWithUrl_RefusedNamingBothFields()
    {
        var json = """{ "backends": [ { "id": "b", "url": "http://10.0.0.1", "discovery": { "type": "registration" } } ] }""";

        var error = Assert.Single(await RegistryValidation.ErrorsAsync(json));

        Assert.Equal("discovery", error.Field);
        Assert.Contains("either 'url' or 'discovery'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DiscoveryAloneOrBesideDestinations_Accepted()
    {
        var json = """
        { "backends": [
            { "id": "a", "discovery": { "type": "dns", "host": "_http._tcp.svc.test", "record": "srv", "minTtl": "2s" } },
            { "id": "b", "destinations": [ { "url": "http://10.0.0.1" } ], "discovery": { "type": "etcd", "endpoints": ["http://10.0.0.5:2379"], "prefix": "/b/" } },
            { "id": "c", "discovery": { "type": "registration", "registrants": ["svc-c"], "refreshInterval": "5s" }, "health": { "failOpen": true } } ] }
        """;

        Assert.Empty(await RegistryValidation.ErrorsAsync(json));
    }

    [Fact]
    public void Diff_DiscoveryChanged_NamesTheChangedField()
    {
        var before = RegistrySerializer.ParseDocument("""{ "backends": [ { "id": "b", "discovery": { "type": "dns", "host": "a.test", "port": 80 } } ] }"""u8, "before").Value!;
        var after = RegistrySerializer.ParseDocument("""{ "backends": [ { "id": "b", "discovery": { "type": "dns", "host": "b.test", "port": 80 } } ] }"""u8, "after").Value!;

        var change = Assert.Single(RegistryDiff.Compute(before, after).Changes);

        Assert.Equal("b", change.Id);
        Assert.Equal("discovery.host", Assert.Single(RegistryFieldDiff.Compute(change.OldJson!, change.NewJson!)).Path);
    }
}
