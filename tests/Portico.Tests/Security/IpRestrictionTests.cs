using System.Net;
using Microsoft.Extensions.Options;
using Portico.Security;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Security;

/// <summary>
/// Client address allow and deny lists, per route and gateway-wide: refused with 403 before credentials are checked,
/// on the address resolved through trusted proxies (and never on one a client claims without a trusted proxy).
/// </summary>
public sealed class IpRestrictionTests : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry(string ipRestriction, string auth = "anonymous") => $$"""
    {
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
      "routes": [
        { "id": "listed", "auth": "{{auth}}", "match": { "path": "/listed/{**rest}" }, "backend": "b", "ipRestriction": {{ipRestriction}} },
        { "id": "open", "auth": "anonymous", "match": { "path": "/open/{**rest}" }, "backend": "b" }
      ]
    }
    """;

    [Theory]
    [InlineData("""{ "allow": [ "10.0.0.0/8" ] }""", 403)]
    [InlineData("""{ "allow": [ "10.0.0.0/8", "127.0.0.0/8" ] }""", 200)]
    [InlineData("""{ "allow": [ "127.0.0.1" ] }""", 200)]
    [InlineData("""{ "allow": [ "127.0.0.0/8" ], "deny": [ "127.0.0.1/32" ] }""", 403)]
    [InlineData("""{ "deny": [ "127.0.0.0/8" ] }""", 403)]
    [InlineData("""{ "deny": [ "10.0.0.1", "::1" ] }""", 200)]
    [InlineData("""{ "allow": [ "::1/128" ] }""", 403)]
    public async Task Route_ClientAddressAgainstItsLists_AllowedOrRefusedWith403(string lists, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(lists));

        using var response = await gateway.Client.GetAsync("/listed/x");
        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 403)
        {
            var problem = await ProblemAssert.ReadAsync(response, "ip-forbidden");
            Assert.DoesNotContain("127.0.0", problem.ToString(), StringComparison.Ordinal); // neither the address nor the list
            Assert.Equal(0, _backend.Count);
        }

        using var open = await gateway.Client.GetAsync("/open/x");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode); // the lists are the route's only
    }

    [Fact]
    public async Task Route_RefusedAddressOnAnAuthenticatedRoute_403BeforeCredentialsAreChecked()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "deny": [ "127.0.0.1" ] }""", auth: "keys"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/listed/x");
        request.Headers.Add("X-Api-Key", "pk_not_a_key");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "ip-forbidden");
    }

    [Theory]
    [InlineData("203.0.113.7", 200)]
    [InlineData("198.51.100.1", 403)]
    [InlineData("198.51.100.1, 203.0.113.7", 200)] // the last untrusted hop is the client
    [InlineData("203.0.113.7, 198.51.100.1", 403)]
    public async Task Route_BehindATrustedProxy_ListsApplyToTheForwardedClient(string forwardedFor, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry("""{ "allow": [ "203.0.113.0/24" ] }"""),
            new Dictionary<string, string?> { ["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1" });

        using var request = new HttpRequestMessage(HttpMethod.Get, "/listed/x");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Fact]
    public async Task Route_ForwardedForWithoutATrustedProxy_IsIgnored()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "allow": [ "203.0.113.0/24" ] }"""));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/listed/x");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("Forwarded", "for=203.0.113.7");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("Portico:IpRestriction:Deny:0", "127.0.0.1", 403)]
    [InlineData("Portico:IpRestriction:Allow:0", "192.0.2.0/24", 403)]
    [InlineData("Portico:IpRestriction:Allow:0", "127.0.0.0/8", 200)]
    public async Task Gateway_WideLists_ApplyToEveryRoute(string setting, string value, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(
            Registry("""{ "allow": [ "127.0.0.0/8" ] }"""), new Dictionary<string, string?> { [setting] = value });

        foreach (var path in new[] { "/listed/x", "/open/x" })
        {
            using var response = await gateway.Client.GetAsync(path);
            Assert.Equal(expected, (int)response.StatusCode);
        }
    }

    [Theory]
    [InlineData("""{ "allow": [ "10.0.0.0/8", "10.0.0.300/8" ] }""", "ipRestriction.allow[1]")]
    [InlineData("""{ "deny": [ "example.com" ] }""", "ipRestriction.deny[0]")]
    [InlineData("""{ "deny": [ "10.0.0.1/8" ] }""", "ipRestriction.deny[0]")]
    [InlineData("""{ "allow": [ "fe80::1%eth0" ] }""", "ipRestriction.allow[0]")]
    public async Task Registry_EntryThatIsNotAnAddressOrRange_RefusedNamingTheField(string lists, string field)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(lists));

        var error = Assert.Single(errors);
        Assert.Equal("route 'listed'", error.Subject);
        Assert.Equal(field, error.Field);
        Assert.Contains("not an IP address or CIDR range", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Location);
    }

    [Fact]
    public async Task Start_GatewaySettingThatIsNotAnAddressOrRange_RefusedNamingIt()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartWithFileAsync(
            Registry("""{ "allow": [ "127.0.0.1" ] }"""), new Dictionary<string, string?> { ["Portico:IpRestriction:Deny:1"] = "10.0.0.0/33", ["Portico:IpRestriction:Deny:0"] = "10.0.0.1" }));

        Assert.Contains(ex.Failures, f => f.Contains("Portico:IpRestriction:Deny:1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("2001:db8::1", false)]
    public void Permits_IPv4ClientOverAnIPv6Socket_ComparedAsIPv4(string client, bool expected)
    {
        var lists = IpRestriction.Compile(["10.0.0.0/8"], null, (field, message) => Assert.Fail(field + message))!;

        Assert.Equal(expected, lists.Permits(IPAddress.Parse(client)));
    }
}
