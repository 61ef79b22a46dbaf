using Microsoft.Extensions.Options;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Waf;

/// <summary>A route's <c>waf</c> field and the gateway's <c>Portico:Waf</c> settings: each mistake named by its field and place.</summary>
public sealed class WafConfigurationTests
{
    private static string Registry(string waf) => $$"""
    {
      "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
      "routes": [
        { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "backend": "b",
          "waf": {{waf}} }
      ]
    }
    """;

    [Theory]
    [InlineData("""{ "enabled": true, "mode": "prevent" }""", "waf.mode", "'block' or 'detect'")]
    [InlineData("""{ "anomalyThreshold": 0 }""", "waf.anomalyThreshold", "1 to 1000")]
    [InlineData("""{ "exclusions": [ { "rules": [ "sqli-01", "sqli-99" ] } ] }""", "waf.exclusions[0].rules[1]", "neither a rule id nor a category")]
    [InlineData("""{ "exclusions": [ { "rules": [] } ] }""", "waf.exclusions[0].rules", "at least one rule")]
    [InlineData("""{ "exclusions": [ { "rules": [ "xss" ], "targets": [ "query:q", "args:q" ] } ] }""", "waf.exclusions[0].targets[1]", "not a target")]
    [InlineData("""{ "exclusions": [ { "rules": [ "xss" ], "targets": [ "header:" ] } ] }""", "waf.exclusions[0].targets[0]", "not a target")]
    [InlineData("""{ "exclusions": [ { "rules": [ "xss" ], "targets": [ "path:x" ] } ] }""", "waf.exclusions[0].targets[0]", "not a target")]
    public async Task Registry_InvalidWafField_RefusedNamingTheFieldAndLine(string waf, string field, string message)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(waf));

        var error = Assert.Single(errors);
        Assert.Equal("route 'r'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Matches(@"^portico\.json:5(:\d+)?$", error.Location); // the line of the route's waf field
    }

    [Fact]
    public async Task Registry_UnknownWafMember_RefusedWithItsLocation()
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry("""{ "enable": true }"""));

        var error = Assert.Single(errors);
        Assert.Contains("unknown field 'enable'", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("portico.json:5", error.Location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Portico:Waf:Mode", "off", "Portico:Waf:Mode")]
    [InlineData("Portico:Waf:AnomalyThreshold", "0", "Portico:Waf:AnomalyThreshold")]
    [InlineData("Portico:Waf:MaxBodyBytes", "2000000", "Portico:Waf:MaxBodyBytes")]
    [InlineData("Portico:Waf:Exclusions:0:Rules:0", "nope-01", "Portico:Waf:Exclusions:0:Rules:0")]
    [InlineData("Portico:Waf:Exclusions:0:Targets:0", "query", "Portico:Waf:Exclusions:0:Targets:0")]
    public async Task Start_InvalidGatewaySetting_RefusedNamingIt(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.Contains(":Targets:", StringComparison.Ordinal))
        {
            settings["Portico:Waf:Exclusions:0:Rules:0"] = "xss";
        }

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""), settings));
        Assert.Contains(ex.Failures, f => f.StartsWith(named, StringComparison.Ordinal));
    }
}
