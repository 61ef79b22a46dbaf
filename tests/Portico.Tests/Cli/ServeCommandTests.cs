using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico serve</c> as a process: it refuses to start on bad configuration and says exactly why.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_InvalidConfiguration_ExitsNonZeroNamingFileLineAndField()
    {
        using var directory = new TempDirectory();
        var config = directory.File("gateway.json");
        await File.WriteAllTextAsync(config, """
        {
          "routes": [
            { "id": "r", "auth": "anonymous", "match": { "path": "/x/{id" }, "static": { "body": "x" } }
          ]
        }
        """);

        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, code);
        Assert.Contains($"{config}:3:", error);
        Assert.Contains("route 'r': match.path: invalid route template", error);
    }

    [Fact]
    public async Task Serve_MissingFile_ExitsNonZeroSayingSo()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--config", "/nonexistent/portico.json", "--urls", "http://127.0.0.1:0");
        Assert.Equal(3, code);
        Assert.Contains("/nonexistent/portico.json", error);
    }

    [Fact]
    public async Task Serve_NoRegistry_ExitsWithUsageHint()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("No registry configured", error);
        Assert.Contains("--config", error);
    }

    [Fact]
    public async Task Serve_TwoSources_RefusedAsBadArguments()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--demo", "--config", "x.json");
        Assert.Equal(2, code);
        Assert.Contains("choose one of", error);
    }

    [Fact]
    public async Task Serve_UnknownOption_IsABadArgument()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", error);
    }

    /// <summary>
    /// Issue 23: several <c>serve</c> instances run from one registry file with their rate-limit counters (and
    /// circuit breakers) in one storage account: <c>--config</c> with <c>--counters-storage</c>. Two instances
    /// share an exact limit of two: the third request, whichever instance it reaches, is refused.
    /// </summary>
    [Fact]
    public async Task Serve_ConfigWithCountersStorage_InstancesShareTheLimit()
    {
        using var directory = new TempDirectory();
        var config = directory.File("gateway.json");
        var client = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(config, """
        {
          "rateLimitPolicies": [ { "id": "shared", "key": ["header:X-Client"], "rate": { "requests": 2, "per": "1h" }, "store": "exact" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "static": { "body": "ok" }, "rateLimit": { "policies": ["shared"] } } ]
        }
        """);
        var storage = await Azurite.ConnectionStringAsync();
        await using var first = GatewayProcess.Start("serve", "--config", config, "--counters-storage", storage, "--urls", "http://127.0.0.1:0");
        await using var second = GatewayProcess.Start("serve", "--config", config, "--counters-storage", storage, "--urls", "http://127.0.0.1:0");
        var urls = new[] { await first.WaitUntilListeningAsync(), await second.WaitUntilListeningAsync() };

        var statuses = new List<System.Net.HttpStatusCode>();
        foreach (var url in new[] { urls[0], urls[1], urls[0], urls[1] })
        {
            using var http = GatewayHost.CreateClient(url);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/r");
            request.Headers.Add("X-Client", client);
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.TooManyRequests, System.Net.HttpStatusCode.TooManyRequests], statuses);
        Assert.DoesNotContain(storage, first.Output + first.Error, StringComparison.Ordinal); // the account key is never echoed
    }

    [Fact]
    public async Task Serve_CountersStorageWithoutConfig_RefusedAsBadArguments()
    {
        var (code, _, error) = await GatewayProcess.RunToExitAsync("serve", "--storage", "UseDevelopmentStorage=true", "--counters-storage", "UseDevelopmentStorage=true");
        Assert.Equal(2, code);
        Assert.Contains("--counters-storage", error);
    }
}
