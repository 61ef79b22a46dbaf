using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>Destinations survive Table storage and show field by field in <c>portico config diff</c>.</summary>
public sealed class ClusterConfigTests : IDisposable
{
    private const string Registry = """
    {
      "backends": [
        { "id": "orders",
          "destinations": [ { "url": "http://10.0.0.1:8080", "metadata": { "zone": "a" } }, { "url": "http://10.0.0.2:8080" } ],
          "loadBalancing": { "policy": "leastRequests" },
          "health": { "passive": { "consecutiveFailures": 3 } } }
      ],
      "routes": [ { "id": "orders", "auth": "anonymous", "match": { "path": "/orders/{**rest}" }, "backend": "orders" } ]
    }
    """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Diff_DestinationsChanged_ListsEachChangedField()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteAsync("v1.json", Registry), "--storage", storage, "--table", table)).ExitCode);
        var changed = Registry
            .Replace("{ \"url\": \"http://10.0.0.2:8080\" }", "{ \"url\": \"http://10.0.0.2:8080\", \"weight\": 3 }", StringComparison.Ordinal)
            .Replace("leastRequests", "roundRobin", StringComparison.Ordinal);

        var (code, output, error) = await PorticoCli.RunAsync("config", "diff", await WriteAsync("v2.json", changed), "--storage", storage, "--table", table);

        Assert.True(code == 1, error);
        Assert.Equal(
            [
                "~ backend orders",
                "    destinations[1].weight: (absent) → 3",
                "    loadBalancing.policy: \"leastRequests\" → \"roundRobin\"",
                "1 difference(s).",
            ],
            output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Export_AfterImport_KeepsEveryClusterField()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var source = await WriteAsync("source.json", Registry);
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", source, "--storage", storage, "--table", table)).ExitCode);
        var exported = _directory.File("exported.json");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "export", "--storage", storage, "--table", table, "--output", exported)).ExitCode);

        var backend = RegistrySerializer.ParseDocument(File.ReadAllBytes(exported), exported).Value!.Backends[0];
        Assert.Null(backend.Url);
        Assert.Equal(["http://10.0.0.1:8080", "http://10.0.0.2:8080"], backend.Destinations!.Select(d => d.Url));
        Assert.Equal("a", backend.Destinations![0].Metadata!["zone"]);
        Assert.Equal("leastRequests", backend.LoadBalancing!.Policy);
        Assert.Equal(3, backend.Health!.Passive!.ConsecutiveFailures);
    }

    private async Task<string> WriteAsync(string name, string json)
    {
        var path = _directory.File(name);
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
