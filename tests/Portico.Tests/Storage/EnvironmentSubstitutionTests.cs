using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Storage;

/// <summary><c>${NAME}</c> and <c>${NAME:-default}</c> in registry values, from the environment (issue 22); secrets never echoed.</summary>
public sealed class EnvironmentSubstitutionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Registry(string url) => $$"""
    {
      "backends": [ { "id": "users", "url": "{{url}}" } ],
      "routes": [ { "id": "users", "auth": "anonymous", "match": { "path": "/users" }, "backend": "users" } ]
    }
    """;

    private async Task<FileRegistryStore> StoreAsync(string name, string content, Dictionary<string, string> environment)
    {
        var path = _directory.File(name);
        await File.WriteAllTextAsync(path, content);
        return new FileRegistryStore(path, watch: false, environment: n => environment.GetValueOrDefault(n));
    }

    [Theory]
    [InlineData("${USERS_URL}", "http://users.internal:8080")]
    [InlineData("${USERS_URL:-http://fallback:1}", "http://users.internal:8080")]
    [InlineData("${UNSET_URL:-http://fallback:1}", "http://fallback:1")]
    [InlineData("${EMPTY_URL:-http://fallback:2}", "http://fallback:2")]
    [InlineData("http://${HOST}:${PORT}/v1", "http://users.internal:9090/v1")]
    [InlineData("http://h/$${not-a-variable}", "http://h/${not-a-variable}")]
    public async Task Load_References_AreReplacedFromTheEnvironment(string written, string expected)
    {
        var environment = new Dictionary<string, string>
        {
            ["USERS_URL"] = "http://users.internal:8080",
            ["EMPTY_URL"] = "",
            ["HOST"] = "users.internal",
            ["PORT"] = "9090",
        };
        using var store = await StoreAsync("portico.json", Registry(written), environment);

        var loaded = await store.LoadAsync(CancellationToken.None);

        Assert.Empty(loaded.Errors);
        Assert.Equal(expected, Assert.Single(loaded.Document!.Backends).Url);
    }

    [Fact]
    public async Task Load_YamlReference_IsReplacedToo()
    {
        using var store = await StoreAsync("portico.yaml", "backends:\n  - id: users\n    url: ${USERS_URL}\n", new() { ["USERS_URL"] = "http://users.internal:8080" });

        var loaded = await store.LoadAsync(CancellationToken.None);

        Assert.Equal("http://users.internal:8080", Assert.Single(loaded.Document!.Backends).Url);
    }

    [Theory]
    [InlineData("portico.json", "{\n  \"backends\": [\n    { \"id\": \"users\", \"url\": \"${NOT_SET_ANYWHERE}\" } ] }", "portico.json:3:22", "environment variable NOT_SET_ANYWHERE is not set")]
    [InlineData("portico.yaml", "backends:\n  - id: users\n    url: ${NOT_SET_ANYWHERE}\n", "portico.yaml:3:5", "environment variable NOT_SET_ANYWHERE is not set")]
    [InlineData("portico.json", "{ \"backends\": [ { \"id\": \"users\", \"url\": \"${broken\" } ] }", "portico.json:1:34", "'${' starts an environment variable")]
    public async Task Load_UnsetOrMalformedReference_IsALocatedError(string name, string content, string location, string message)
    {
        using var store = await StoreAsync(name, content, []);

        var loaded = await store.LoadAsync(CancellationToken.None);

        Assert.Null(loaded.Document);
        var error = Assert.Single(loaded.Errors);
        Assert.EndsWith(location, error.Location, StringComparison.Ordinal);
        Assert.Equal("backends[0].url", error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidValueFromTheEnvironment_ErrorShowsTheReferenceNeverTheSecret()
    {
        var name = "PORTICO_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        const string Secret = "ftp://user:s3cr3t-Passw0rd@db.internal";
        Environment.SetEnvironmentVariable(name, Secret);
        try
        {
            var path = _directory.File("portico.json");
            await File.WriteAllTextAsync(path, Registry("${" + name + "}"));

            var (code, output, error) = await PorticoCli.RunAsync("config", "validate", path);

            Assert.Equal(2, code);
            Assert.Contains("backend 'users': url: '${" + name + "}' is not an absolute http or https URL", error, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", output + error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
