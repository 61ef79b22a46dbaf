using Portico.Tests.Admin;
using Portico.Tests.Discovery.Sources;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico backends register|list|deregister</c>, end to end against a real gateway.</summary>
public sealed class BackendsCommandTests
{
    [Fact]
    public async Task RegisterListDeregister_AgainstAGateway_TheInstanceComesAndGoes()
    {
        var key = AdminTestKit.NewKey();
        await using var instance = await TestBackend.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));

        var (code, output, error) = await PorticoCli.RunAsync(
            "backends", "register", "b", instance.Url, "--weight", "2", "--ttl", "2m", "--metadata", "zone=z1", "--url", gateway.Url, "--key", key.Key);
        Assert.True(code == 0, error);
        Assert.Matches($@"^Registered {instance.Url} in backend b until \S+; only the gateway instance that answered sees it", output);

        Assert.True(await Eventually.TrueAsync(async () => (await RegistrationGateway.DestinationsAsync(gateway, key.Key)).Length == 1, TimeSpan.FromSeconds(10)));
        var (listCode, list, listError) = await PorticoCli.RunAsync("backends", "list", "--url", gateway.Url, "--key", key.Key);
        Assert.True(listCode == 0, listError);
        Assert.Matches(@"(?m)^BACKEND\s+DESTINATION\s+HEALTH\s+SOURCE\s+LAST SEEN\s+WEIGHT\s+IN FLIGHT$", list);
        Assert.Matches($@"(?m)^b\s+{instance.Url}\s+healthy\s+registration\s+\S+\s+2\s+0$", list);
        Assert.Matches(@"(?m)^plain\s+http://127.0.0.1:9\s+-\s+url\s+-\s+-\s+-$", list);
        var (oneCode, one, _) = await PorticoCli.RunAsync("backends", "list", "b", "--url", gateway.Url, "--key", key.Key, "--json");
        Assert.Equal(0, oneCode);
        Assert.Equal("registration", System.Text.Json.JsonDocument.Parse(one).RootElement.GetProperty("discovery").GetProperty("type").GetString());

        var (goneCode, gone, goneError) = await PorticoCli.RunAsync("backends", "deregister", "b", instance.Url, "--url", gateway.Url, "--key", key.Key);
        Assert.True(goneCode == 0, goneError);
        Assert.Equal($"Deregistered {instance.Url} from backend b.", gone.Trim());
        var (againCode, _, againError) = await PorticoCli.RunAsync("backends", "deregister", "b", instance.Url, "--url", gateway.Url, "--key", key.Key);
        Assert.Equal(3, againCode);
        Assert.Contains("404 instance-not-found", againError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_BadInput_ExitsTwoWithTheGatewaysReason()
    {
        var key = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(RegistrationGateway.Registry(), AdminTestKit.KeySettings(key));

        var (code, _, error) = await PorticoCli.RunAsync("backends", "register", "b", "ftp://10.0.0.1", "--url", gateway.Url, "--key", key.Key);
        var (metadataCode, _, metadataError) = await PorticoCli.RunAsync("backends", "register", "b", "http://10.0.0.1", "--metadata", "zone", "--url", gateway.Url, "--key", key.Key);

        Assert.Equal(2, code);
        Assert.Contains("400 invalid-registration", error, StringComparison.Ordinal);
        Assert.Contains("not an absolute http or https URL", error, StringComparison.Ordinal);
        Assert.Equal(2, metadataCode);
        Assert.Contains("--metadata 'zone' is not name=value", metadataError, StringComparison.Ordinal);
    }
}
