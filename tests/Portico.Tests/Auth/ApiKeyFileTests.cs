using System.Net;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.Auth;

/// <summary>
/// API keys in DB-less mode: <c>portico keys create --config</c> adds a hashed key to the registry file, the running
/// gateway picks it up, the key never reaches the backend, and <c>keys revoke</c> shuts it off.
/// </summary>
public sealed class ApiKeyFileTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "api", "url": {{J(_backend.Url)}} } ],
          "consumers": [ { "id": "partner-a", "plan": "gold" }, { "id": "partner-b" } ],
          "plans": [ { "id": "gold", "policies": [] } ],
          "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key", "queryParameter": "api_key" } } ],
          "routes": [
            { "id": "api", "auth": "keys", "match": { "path": "/api" }, "backend": "api" },
            { "id": "query", "auth": "keys", "match": { "path": "/query" }, "backend": "api", "apiKeyInQuery": true, "forwardAuthorization": true }
          ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<string> CreateKeyAsync(string consumer)
    {
        var (code, output, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", consumer, "--config", _gateway.ConfigPath!);
        Assert.True(code == 0, error);
        return output.Trim();
    }

    private async Task<HttpStatusCode> CallAsync(string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        }

        using var response = await _gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task KeysCreate_KeyWorksThroughTheGateway_StoredOnlyAsHashAndNeverForwarded()
    {
        var key = await CreateKeyAsync("partner-a");

        Assert.StartsWith("pk_", key, StringComparison.Ordinal);
        var file = await File.ReadAllTextAsync(_gateway.ConfigPath!);
        Assert.DoesNotContain(key, file, StringComparison.Ordinal);
        Assert.Contains(Portico.Auth.ApiKeyFormat.Hash(key), file, StringComparison.Ordinal);

        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", key) == HttpStatusCode.OK, TimeSpan.FromSeconds(20)));
        var seen = _backend.LastRequest;
        Assert.Null(seen.Header("X-Api-Key"));
        Assert.Equal("partner-a", seen.Header("X-Portico-Consumer"));
        Assert.Equal("apiKey", seen.Header("X-Portico-Auth-Method"));
        Assert.DoesNotContain(_gateway.Logs.Entries, e => e.Message.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeysRevoke_RunningGatewayRefusesTheKeyAfterReload()
    {
        var key = await CreateKeyAsync("partner-b");
        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", key) == HttpStatusCode.OK, TimeSpan.FromSeconds(20)));
        var id = key[3..15];

        var (code, output, error) = await PorticoCli.RunAsync("keys", "revoke", id, "--config", _gateway.ConfigPath!);

        Assert.True(code == 0, error);
        Assert.Contains(id, output, StringComparison.Ordinal);
        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", key) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task KeysCreate_ThirdActiveKey_IsRefusedAndListShowsNoSecrets()
    {
        var first = await CreateKeyAsync("partner-a");
        var second = await CreateKeyAsync("partner-a");

        var (code, _, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", "partner-a", "--config", _gateway.ConfigPath!);
        Assert.Equal(2, code);
        Assert.Contains("two active keys", error, StringComparison.Ordinal);

        var (listCode, list, _) = await PorticoCli.RunAsync("keys", "list", "--consumer", "partner-a", "--config", _gateway.ConfigPath!);
        Assert.Equal(0, listCode);
        Assert.Contains(first[3..15], list, StringComparison.Ordinal);
        Assert.Contains(second[3..15], list, StringComparison.Ordinal);
        Assert.DoesNotContain(first, list, StringComparison.Ordinal);
        Assert.DoesNotContain(Portico.Auth.ApiKeyFormat.Hash(first), list, StringComparison.Ordinal);

        // Rotation: both keys work at once.
        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", first) == HttpStatusCode.OK && await CallAsync("/api", second) == HttpStatusCode.OK, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task KeysCreate_UnknownConsumer_ExitsTwo()
    {
        var (code, output, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", "nobody", "--config", _gateway.ConfigPath!);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("unknown consumer 'nobody'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyInQuery_AllowedRoute_AcceptsItAndStripsItFromTheForwardedQuery()
    {
        var key = await CreateKeyAsync("partner-b");
        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", key) == HttpStatusCode.OK, TimeSpan.FromSeconds(20)));

        Assert.Equal(HttpStatusCode.OK, await CallAsync("/query?page=2&api_key=" + Uri.EscapeDataString(key) + "&sort=asc", null));

        var seen = _backend.LastRequest;
        Assert.Equal("?page=2&sort=asc", seen.Query);
        Assert.Equal("partner-b", seen.Header("X-Portico-Consumer"));
    }

    [Fact]
    public async Task ApiKey_InTheHeaderWithAStrayQueryParameter_BothAreRemovedBeforeForwarding()
    {
        var key = await CreateKeyAsync("partner-b");
        Assert.True(await Eventually.TrueAsync(async () => await CallAsync("/api", key) == HttpStatusCode.OK, TimeSpan.FromSeconds(20)));

        Assert.Equal(HttpStatusCode.OK, await CallAsync("/api?api_key=leaked&x=1", key));

        Assert.Equal("?x=1", _backend.LastRequest.Query);
        Assert.Null(_backend.LastRequest.Header("X-Api-Key"));
    }
}
