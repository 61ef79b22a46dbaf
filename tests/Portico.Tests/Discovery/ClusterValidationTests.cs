using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>Bad destinations, load balancing or health settings are refused with the file, line and field at fault.</summary>
public sealed class ClusterValidationTests
{
    [Theory]
    [InlineData("""[{ "url": "ftp://10.0.0.1" }]""", "", "destinations[0].url", "not an absolute http or https URL")]
    [InlineData("""[{ "url": "http://10.0.0.1?x=1" }]""", "", "destinations[0].url", "must not carry a query")]
    [InlineData("""[{ "url": "http://10.0.0.1" }, { "url": "http://10.0.0.1/" }]""", "", "destinations[1].url", "duplicate destination: destinations[0]")]
    [InlineData("""[{ "url": "http://10.0.0.1", "weight": 0 }]""", "", "destinations[0].weight", "between 1 and 1000")]
    [InlineData("""[]""", "", "destinations", "list 1 to 256 destinations")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "url": "http://10.0.0.2" """, "destinations", "either 'url' or 'destinations'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "policy": "random" } """, "loadBalancing.policy", "'random' is not one of 'powerOfTwoChoices'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "hashOn": "header" } """, "loadBalancing.hashOn", "only to the 'consistentHash' policy")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "policy": "consistentHash", "hashOn": "cookie" } """, "loadBalancing.hashOn", "'cookie' is not one of")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "policy": "consistentHash", "hashOn": "header" } """, "loadBalancing.header", "name the request header")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "policy": "consistentHash", "header": "X-User" } """, "loadBalancing.header", "only with 'hashOn': 'header'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "loadBalancing": { "header": "X-User" } """, "loadBalancing.header", "only to the 'consistentHash' policy")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "consecutiveFailures": 0 } } """, "health.passive.consecutiveFailures", "between 1 and 1000")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "failureRatio": 1.5 } } """, "health.passive.failureRatio", "above 0 and at most 1")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "minimumRequests": 1 } } """, "health.passive.minimumRequests", "at least 2")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "maxEjectedPercent": 101 } } """, "health.passive.maxEjectedPercent", "between 0 and 100")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "baseEjectionTime": "soon" } } """, "health.passive.baseEjectionTime", "not a positive duration")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "baseEjectionTime": "1m", "maxEjectionTime": "30s" } } """, "health.passive.maxEjectionTime", "not be shorter than 'baseEjectionTime'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "passive": { "failureStatusCodes": [200] } } """, "health.passive.failureStatusCodes", "200 is not a status")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "interval": "5s" } } """, "health.active.path", "name the path to probe")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "healthz" } } """, "health.active.path", "must start with '/'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/a b" } } """, "health.active.path", "without spaces")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "interval": "500ms" } } """, "health.active.interval", "between 1s and 1h")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "timeout": "50ms" } } """, "health.active.timeout", "between 100ms and 1h")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "interval": "2s", "timeout": "3s" } } """, "health.active.timeout", "not be longer than 'interval'")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "healthyThreshold": 0 } } """, "health.active.healthyThreshold", "between 1 and 100")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "unhealthyThreshold": 101 } } """, "health.active.unhealthyThreshold", "between 1 and 100")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "expectedStatuses": [] } } """, "health.active.expectedStatuses", "at least one status")]
    [InlineData("""[{ "url": "http://10.0.0.1" }]""", """, "health": { "active": { "path": "/h", "expectedStatuses": [99] } } """, "health.active.expectedStatuses", "99 is not a status between 100 and 599")]
    public async Task Validate_InvalidCluster_NamesFileLineBackendAndField(string destinations, string more, string field, string message)
    {
        var json = "{\n  \"backends\": [\n    {\n      \"id\": \"b\",\n      \"destinations\": " + destinations + more + "\n    }\n  ]\n}\n";

        var errors = await RegistryValidation.ErrorsAsync(json);

        var error = Assert.Single(errors);
        Assert.Equal("backend 'b'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Matches("^portico.json:[3-5]", error.Location); // the backend's lines
    }

    [Theory]
    [InlineData("""{ "id": "b" }""", "url", "set 'url' (one address) or 'destinations' (several)")]
    [InlineData("""{ "id": "b", "url": "http://10.0.0.1", "loadBalancing": { "policy": "roundRobin" } }""", "loadBalancing", "only to a backend with 'destinations'")]
    [InlineData("""{ "id": "b", "url": "http://10.0.0.1", "health": { "failOpen": true } }""", "health", "only to a backend with 'destinations'")]
    public async Task Validate_SingleUrlBackendMisused_NamesTheField(string backend, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync($$"""{ "backends": [ {{backend}} ] }""");

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_FullClusterDefinition_IsAccepted()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        { "backends": [ { "id": "b",
            "destinations": [ { "url": "http://10.0.0.1:8080", "weight": 3, "metadata": { "zone": "westeurope-1" } }, { "url": "https://10.0.0.2/base" } ],
            "loadBalancing": { "policy": "consistentHash", "hashOn": "header", "header": "X-Tenant" },
            "health": { "passive": { "consecutiveFailures": 3, "failureRatio": 0.3, "minimumRequests": 10, "interval": "5s",
                                     "baseEjectionTime": "10s", "maxEjectionTime": "2m", "maxEjectedPercent": 25, "failureStatusCodes": [500, 503] },
                        "active": { "path": "/healthz?deep=1", "interval": "15s", "timeout": "3s", "healthyThreshold": 1, "unhealthyThreshold": 2,
                                    "expectedStatuses": [200, 204] },
                        "failOpen": true } } ] }
        """);

        Assert.Empty(errors);
    }
}
