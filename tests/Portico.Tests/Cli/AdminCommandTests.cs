using System.Text.Json;
using System.Text.RegularExpressions;
using Portico.Auth;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico admin key create</c> and <c>portico admin registry</c>, end to end against a real gateway.</summary>
public sealed partial class AdminCommandTests
{
    private const string Registry = """
    {
      "backends": [ { "id": "users", "url": "http://127.0.0.1:9" } ],
      "consumers": [ { "id": "partner", "plan": "free" } ],
      "rateLimitPolicies": [ { "id": "slow", "rate": { "requests": 1, "per": "1s" } } ],
      "plans": [ { "id": "free", "policies": [ "slow" ] } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey" } ],
      "routes": [
        { "id": "users", "auth": "keys", "match": { "path": "/api/users/{id}", "methods": [ "GET" ] }, "backend": "users" },
        { "id": "status", "auth": "anonymous", "match": { "path": "/status" }, "static": { "body": "ok" } }
      ]
    }
    """;

    /// <summary>Runs <c>admin key create</c> and returns the key and the settings it printed.</summary>
    private static async Task<(string Key, Dictionary<string, string?> Settings)> CreateKeyAsync()
    {
        var (code, output, error) = await PorticoCli.RunAsync("admin", "key", "create", "--name", "release pipeline");
        Assert.Equal(0, code);
        var key = output.Trim();
        var settings = SettingLine().Matches(error).ToDictionary(m => m.Groups[1].Value.Replace("__", ":"), m => (string?)m.Groups[2].Value);
        return (key, settings);
    }

    [Fact]
    public async Task KeyCreate_PrintsTheKeyOnceAndOnlyItsHashAsASetting()
    {
        var (code, output, error) = await PorticoCli.RunAsync("admin", "key", "create", "--name", "release pipeline");

        Assert.Equal(0, code);
        var key = output.Trim();
        var id = ApiKeyFormat.IdOf(key);
        Assert.NotNull(id);
        Assert.Equal(key + Environment.NewLine, output); // the key alone on standard output: KEY=$(portico admin key create)
        Assert.Contains($"Portico__Admin__Keys__{id}__Hash={ApiKeyFormat.Hash(key)}", error);
        Assert.Contains($"Portico__Admin__Keys__{id}__Name=release pipeline", error);
        Assert.DoesNotContain(key, error);
    }

    [Fact]
    public async Task Registry_WithTheCreatedKey_PrintsTablesOfTheLiveRegistry()
    {
        var (key, settings) = await CreateKeyAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, settings);

        var (code, output, error) = await PorticoCli.RunAsync("admin", "registry", "--url", gateway.Url, "--key", key);

        Assert.True(code == 0, error);
        Assert.Matches(@"^Revision [0-9a-f]+, loaded \S+ from file ", output);
        Assert.Contains("routes 2, backends 1, consumers 1, authPolicies 1, apiKeys 0, rateLimitPolicies 1, plans 1", output);
        Assert.Matches(@"(?m)^ROUTE\s+METHODS\s+PATH\s+AUTH\s+TARGET$", output);
        Assert.Matches(@"(?m)^users\s+GET\s+/api/users/\{id\}\s+keys\s+backend users$", output);
        Assert.Matches(@"(?m)^status\s+\*\s+/status\s+anonymous\s+static$", output);
        Assert.Matches(@"(?m)^partner\s+free\s+active$", output);
        Assert.Contains("No revision has been refused since the gateway started.", output);
    }

    [Fact]
    public async Task Registry_Json_PrintsTheApiAnswerAndShowsARefusedRevision()
    {
        var (key, settings) = await CreateKeyAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, settings);
        await gateway.WriteConfigAsync(Registry.Replace("\"backend\": \"users\"", "\"backend\": \"nobody\""));
        var runtime = (Portico.Registry.RegistryRuntime)gateway.Services.GetService(typeof(Portico.Registry.RegistryRuntime))!;
        Assert.True(await Eventually.TrueAsync(() => runtime.LastRejected is not null, TimeSpan.FromSeconds(10)));

        var (code, output, error) = await PorticoCli.RunAsync("admin", "registry", "--url", gateway.Url + "/", "--key", key, "--json");
        var (tableCode, table, _) = await PorticoCli.RunAsync("admin", "registry", "--url", gateway.Url, "--key", key);

        Assert.True(code == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(runtime.Current.Revision, json.GetProperty("revision").GetString());
        Assert.Equal(1, json.GetProperty("lastRejected").GetProperty("errorCount").GetInt32());
        Assert.Equal(0, tableCode);
        Assert.Matches(@"Last refused revision [0-9a-f]+ at \S+: 1 error\(s\), still the newest in the store", table);
        Assert.Contains(": route 'users': backend: unknown backend 'nobody'", table);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pk_abcdefghijkm_wrongwrongwrongwrongwrongwrongwrongwrong123")]
    public async Task Registry_MissingOrWrongKey_ExitsTwoWithTheProblem(string? key)
    {
        var (_, settings) = await CreateKeyAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry, settings);
        string[] args = key is null ? ["admin", "registry", "--url", gateway.Url] : ["admin", "registry", "--url", gateway.Url, "--key", key];

        var (code, output, error) = await PorticoCli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(key is null ? "401 authentication-required" : "401 invalid-api-key", error);
    }

    [Fact]
    public async Task Registry_AdminOff_ExitsTwoSayingHowToEnable()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry);

        var (code, _, error) = await PorticoCli.RunAsync("admin", "registry", "--url", gateway.Url);

        Assert.Equal(2, code);
        Assert.Contains("403 admin-not-configured", error);
        Assert.Contains("portico admin key create", error);
    }

    [Fact]
    public async Task Registry_NoGateway_ExitsThree()
    {
        var (code, _, error) = await PorticoCli.RunAsync("admin", "registry", "--url", "http://127.0.0.1:9", "--key", "pk_x");

        Assert.Equal(3, code);
        Assert.Contains("cannot reach http://127.0.0.1:9", error);
    }

    [GeneratedRegex(@"^\s+(Portico__Admin__Keys__\w+__(?:Hash|Name))=(.+)$", RegexOptions.Multiline)]
    private static partial Regex SettingLine();
}
