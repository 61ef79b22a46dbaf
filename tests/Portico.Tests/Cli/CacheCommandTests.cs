using System.Text.Json;
using Portico.Tests.Admin;
using Portico.Tests.Caching;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico cache purge</c> against a real gateway whose cached route sits before a real backend.</summary>
public sealed class CacheCommandTests : IAsyncLifetime
{
    private readonly AdminTestKit.AdminKey _admin = AdminTestKit.NewKey();
    private CachingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CachingHarness.StartAsync(CachingHarness.Registry(), AdminTestKit.KeySettings(_admin), fakeTime: false);
        foreach (var path in (string[])["/products/1", "/products/2", "/orders/1"])
        {
            _h.Respond(path, "call {call}", ("Cache-Control", "max-age=600"), ("Surrogate-Key", path.StartsWith("/products/") ? "catalog" : "orders"));
        }
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>GETs <paramref name="path"/> and returns its Cache-Status.</summary>
    private async Task<string> GetAsync(string path)
    {
        using var response = await _h.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return string.Join(", ", response.Headers.GetValues("Cache-Status"));
    }

    private async Task FillAsync(params string[] paths)
    {
        foreach (var path in paths)
        {
            await GetAsync(path);
            Assert.Contains("hit", await GetAsync(path));
        }
    }

    [Fact]
    public async Task PurgeUrl_WithAdminKey_RemovesOnlyThatUrlAndSaysSo()
    {
        await FillAsync("/products/1", "/products/2");

        var (code, output, error) = await PorticoCli.RunAsync("cache", "purge", "url", "/products/1", "--url", _h.Gateway.Url, "--key", _admin.Key);

        Assert.True(code == 0, error);
        Assert.Equal(
            "Purged url /products/1: 1 entry removed on the instance that answered; no Table storage is configured, so only the instance that answered applies it." + Environment.NewLine,
            output);
        Assert.DoesNotContain("hit", await GetAsync("/products/1"));
        Assert.Contains("hit", await GetAsync("/products/2"));
        Assert.Equal(2, _h.Calls("/products/1"));
    }

    [Fact]
    public async Task PurgeKey_Json_PrintsTheRecordAndRemovesEveryTaggedResponse()
    {
        await FillAsync("/products/1", "/products/2", "/orders/1");

        var (code, output, error) = await PorticoCli.RunAsync("cache", "purge", "key", "catalog", "--url", _h.Gateway.Url, "--key", _admin.Key, "--json");

        Assert.True(code == 0, error);
        var record = JsonDocument.Parse(output).RootElement;
        Assert.Equal("surrogateKey", record.GetProperty("kind").GetString());
        Assert.Equal("catalog", record.GetProperty("value").GetString());
        Assert.Equal(2, record.GetProperty("removedHere").GetInt32());
        Assert.DoesNotContain("hit", await GetAsync("/products/2"));
        Assert.Contains("hit", await GetAsync("/orders/1"));
    }

    [Fact]
    public async Task PurgePathPrefix_WithHost_RemovesUnderThePrefixOfThatHostOnly()
    {
        await FillAsync("/products/1", "/orders/1");
        var host = new Uri(_h.Gateway.Url).Authority;

        var (other, otherOutput, _) = await PorticoCli.RunAsync(
            "cache", "purge", "path-prefix", "/products/", "--host", "elsewhere.example", "--url", _h.Gateway.Url, "--key", _admin.Key);
        var (code, output, error) = await PorticoCli.RunAsync("cache", "purge", "path-prefix", "/products/", "--host", host, "--url", _h.Gateway.Url, "--key", _admin.Key);

        Assert.Equal(0, other);
        Assert.Contains("0 entries removed", otherOutput);
        Assert.True(code == 0, error);
        Assert.StartsWith($"Purged prefix /products/ on host {host}: 1 entry removed", output);
        Assert.DoesNotContain("hit", await GetAsync("/products/1"));
        Assert.Contains("hit", await GetAsync("/orders/1"));
    }

    [Fact]
    public async Task Purge_InvalidSelector_ExitsTwoWithTheProblem()
    {
        var (code, output, error) = await PorticoCli.RunAsync("cache", "purge", "path-prefix", "products", "--url", _h.Gateway.Url, "--key", _admin.Key);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("portico cache purge path-prefix: 400", error);
        Assert.Contains("'prefix' must be a path starting with '/'", error);
    }

    [Fact]
    public async Task Purge_WithoutCredential_ExitsTwoAndPurgesNothing()
    {
        await FillAsync("/products/1");

        var (code, _, error) = await PorticoCli.RunAsync("cache", "purge", "url", "/products/1", "--url", _h.Gateway.Url);

        Assert.Equal(2, code);
        Assert.Contains("401 authentication-required", error);
        Assert.Contains("hit", await GetAsync("/products/1"));
    }
}
