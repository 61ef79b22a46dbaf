using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico config validate|import|export|diff</c> against a real Azurite.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private const string Registry = """
    {
      "backends": [ { "id": "users", "url": "http://127.0.0.1:7080" } ],
      "routes": [
        { "id": "users", "auth": "anonymous", "match": { "path": "/api/users/{id}", "methods": ["GET"] }, "backend": "users", "rewrite": { "path": "/users/{id}" } },
        { "id": "status", "auth": "anonymous", "match": { "path": "/status" }, "static": { "json": { "ok": true } } }
      ]
    }
    """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private async Task<string> WriteAsync(string name, string json)
    {
        var path = _directory.File(name);
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    [Fact]
    public async Task Validate_ValidFile_ExitsZeroWithSummary()
    {
        var (code, output, _) = await PorticoCli.RunAsync("config", "validate", await WriteAsync("ok.json", Registry));
        Assert.Equal(0, code);
        Assert.Contains("valid (1 backends, 2 routes)", output);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsThree()
    {
        var (code, _, error) = await PorticoCli.RunAsync("config", "validate", _directory.File("absent.json"));
        Assert.Equal(3, code);
        Assert.Contains("no such file", error);
    }

    [Fact]
    public async Task ExportAfterImport_GivesAnEquivalentFile()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var source = await WriteAsync("source.json", Registry);
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", source, "--storage", storage, "--table", table)).ExitCode);

        var exported = _directory.File("exported.json");
        var (code, _, error) = await PorticoCli.RunAsync("config", "export", "--storage", storage, "--table", table, "--output", exported);
        Assert.True(code == 0, error);

        var original = RegistrySerializer.ParseDocument(File.ReadAllBytes(source), source).Value!;
        var roundTripped = RegistrySerializer.ParseDocument(File.ReadAllBytes(exported), exported).Value!;
        Assert.True(RegistryDiff.Compute(original, roundTripped).IsEmpty);
        var (diffCode, diffOutput, _) = await PorticoCli.RunAsync("config", "diff", exported, "--storage", storage, "--table", table);
        Assert.Equal(0, diffCode);
        Assert.Contains("No differences.", diffOutput);
    }

    [Fact]
    public async Task Diff_ChangedFile_ListsChangesAndExitsOne()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", Registry), "--storage", storage, "--table", table)).ExitCode);
        var changed = Registry
            .Replace("\"json\": { \"ok\": true }", "\"json\": { \"ok\": false }", StringComparison.Ordinal)
            .Replace("{ \"id\": \"users\", \"auth\"", "{ \"id\": \"people\", \"auth\"", StringComparison.Ordinal);

        var (code, output, _) = await PorticoCli.RunAsync("config", "diff", await WriteAsync("v2.json", changed), "--storage", storage, "--table", table);

        Assert.Equal(1, code);
        Assert.Contains("+ route people", output);
        Assert.Contains("- route users", output);
        Assert.Contains("~ route status", output);
    }

    [Fact]
    public async Task Diff_ChangedFields_ListsEachFieldOldToNew()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", Registry), "--storage", storage, "--table", table)).ExitCode);
        var changed = Registry
            .Replace("\"json\": { \"ok\": true }", "\"json\": { \"ok\": false }", StringComparison.Ordinal)
            .Replace("\"methods\": [\"GET\"]", "\"methods\": [\"GET\", \"PUT\"]", StringComparison.Ordinal)
            .Replace("\"rewrite\": { \"path\": \"/users/{id}\" }", "\"maxConcurrentRequests\": 5", StringComparison.Ordinal);

        var (code, output, _) = await PorticoCli.RunAsync("config", "diff", await WriteAsync("v2.json", changed), "--storage", storage, "--table", table);

        Assert.Equal(1, code);
        Assert.Equal(
            [
                "~ route status",
                "    static.json.ok: true → false",
                "~ route users",
                "    match.methods: [\"GET\"] → [\"GET\",\"PUT\"]",
                "    rewrite: {\"path\":\"/users/{id}\"} → (absent)",
                "    maxConcurrentRequests: (absent) → 5",
                "2 difference(s).",
            ],
            output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task DiffJson_AddedRemovedChanged_IsMachineReadableWithSecretsHidden()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var withKey = Registry.Replace("\"routes\": [", "\"consumers\": [ { \"id\": \"ops\", \"metadata\": { \"apiToken\": \"old-token-value\" } } ],\n  \"routes\": [", StringComparison.Ordinal);
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", withKey), "--storage", storage, "--table", table)).ExitCode);
        var variable = "PORTICO_TEST_DIFF_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "http://users-v2.internal:8080");
        try
        {
            var changed = withKey
                .Replace("old-token-value", "new-token-value", StringComparison.Ordinal)
                .Replace("http://127.0.0.1:7080", "${" + variable + "}", StringComparison.Ordinal)
                .Replace("{ \"id\": \"status\"", "{ \"id\": \"health\"", StringComparison.Ordinal);

            var (code, output, error) = await PorticoCli.RunAsync("config", "diff", await WriteAsync("v2.json", changed), "--storage", storage, "--table", table, "--json");

            Assert.True(code == 1, error);
            Assert.DoesNotContain("token-value", output, StringComparison.Ordinal);
            Assert.DoesNotContain("users-v2.internal", output, StringComparison.Ordinal);
            using var json = System.Text.Json.JsonDocument.Parse(output);
            var root = json.RootElement;
            Assert.Equal(4, root.GetProperty("differences").GetInt32());
            var changes = root.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("kind").GetString() + " " + c.GetProperty("id").GetString());
            var backend = Assert.Single(changes["backend users"].GetProperty("fields").EnumerateArray());
            Assert.Equal("changed", changes["backend users"].GetProperty("change").GetString());
            Assert.Equal("url", backend.GetProperty("path").GetString());
            Assert.Equal("http://127.0.0.1:7080", backend.GetProperty("old").GetString());
            Assert.Equal("${" + variable + "}", backend.GetProperty("new").GetString());
            var hidden = Assert.Single(changes["consumer ops"].GetProperty("fields").EnumerateArray());
            Assert.Equal("(a hidden value)", hidden.GetProperty("path").GetString());
            Assert.Equal("added", changes["route health"].GetProperty("change").GetString());
            Assert.Equal("/status", changes["route health"].GetProperty("new").GetProperty("match").GetProperty("path").GetString());
            Assert.Equal("removed", changes["route status"].GetProperty("change").GetString());
            Assert.Equal("status", changes["route status"].GetProperty("old").GetProperty("id").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Import_Prune_RemovesWhatTheFileDoesNotName()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("all.json", Registry), "--storage", storage, "--table", table)).ExitCode);
        var onlyStatus = """{ "routes": [ { "id": "status", "auth": "anonymous", "match": { "path": "/status" }, "static": { "json": { "ok": true } } } ] }""";
        var path = await WriteAsync("status.json", onlyStatus);

        var (keepCode, keepOutput, _) = await PorticoCli.RunAsync("config", "import", path, "--storage", storage, "--table", table);
        Assert.Equal(0, keepCode);
        Assert.Contains("No changes.", keepOutput);

        var (code, output, _) = await PorticoCli.RunAsync("config", "import", path, "--storage", storage, "--table", table, "--prune");
        Assert.Equal(0, code);
        Assert.Contains("- route users", output);
        Assert.Contains("- backend users", output);
        var (_, exported, _) = await PorticoCli.RunAsync("config", "export", "--storage", storage, "--table", table);
        Assert.DoesNotContain("users", exported);
    }

    [Fact]
    public async Task Import_UnreachableStorage_ExitsThreeWithoutStackTrace()
    {
        var closed = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/{Azurite.AccountName}");
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", await WriteAsync("r.json", Registry), "--storage", closed);
        Assert.Equal(3, code);
        Assert.StartsWith("portico config import: storage or file unavailable", error);
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain(Azurite.AccountKey, error);
    }

    [Fact]
    public async Task Import_MalformedStorageSetting_ExitsTwoWithoutEchoingIt()
    {
        var (code, _, error) = await PorticoCli.RunAsync("config", "export", "--storage", "AccountKey=sekrit;nonsense");
        Assert.Equal(2, code);
        Assert.Contains("neither an https endpoint nor a valid connection string", error);
        Assert.DoesNotContain("sekrit", error);
    }

    [Fact]
    public async Task Import_MissingStorageOption_IsABadArgument()
    {
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", await WriteAsync("x.json", Registry));
        Assert.Equal(2, code);
        Assert.Contains("--storage", error);
    }

    /// <summary>A route with the edge-protection fields of issue 17.</summary>
    private const string EdgeRegistry = """
    {
      "routes": [
        { "id": "api", "auth": "anonymous", "match": { "path": "/api" }, "static": { "body": "ok" },
          "addressRateLimit": { "requests": 10, "per": "1s" },
          "cors": { "allowOrigins": [ "https://app.example.com" ], "allowCredentials": true } }
      ]
    }
    """;

    [Fact]
    public async Task Diff_ChangedCorsRateAndSecurityHeaders_ListsEachFieldOldToNew()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", EdgeRegistry), "--storage", storage, "--table", table)).ExitCode);
        var changed = EdgeRegistry
            .Replace("\"requests\": 10", "\"requests\": 20", StringComparison.Ordinal)
            .Replace("[ \"https://app.example.com\" ]", "[ \"https://app.example.com\", \"https://*.example.org\" ]", StringComparison.Ordinal)
            .Replace("\"allowCredentials\": true }", "\"allowCredentials\": true }, \"securityHeaders\": { \"frameOptions\": \"DENY\" }", StringComparison.Ordinal);

        var (code, output, _) = await PorticoCli.RunAsync("config", "diff", await WriteAsync("v2.json", changed), "--storage", storage, "--table", table);

        Assert.Equal(1, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.Contains("~ route api", lines);
        Assert.Contains("    addressRateLimit.requests: 10 → 20", lines);
        Assert.Contains(lines, l => l.StartsWith("    cors.allowOrigins", StringComparison.Ordinal) && l.Contains("https://*.example.org", StringComparison.Ordinal));
        Assert.Contains("    securityHeaders: (absent) → {\"frameOptions\":\"DENY\"}", lines);
        Assert.Equal("1 difference(s).", lines[^1]);
    }
}
