using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary><c>portico config diff</c> shows the edge-protection fields of a route (issue 17) field by field, against a real Azurite.</summary>
public sealed class ConfigDiffEdgeFieldsTests : IDisposable
{
    private const string Registry = """
    {
      "routes": [
        { "id": "api", "auth": "anonymous", "match": { "path": "/api" }, "static": { "body": "ok" },
          "addressRateLimit": { "requests": 10, "per": "1s" },
          "cors": { "allowOrigins": [ "https://app.example.com" ], "allowCredentials": true } }
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
    public async Task Diff_ChangedCorsRateAndSecurityHeaders_ListsEachFieldOldToNew()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", Registry), "--storage", storage, "--table", table)).ExitCode);
        var changed = Registry
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
