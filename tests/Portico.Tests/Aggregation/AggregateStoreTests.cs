using Portico.Configuration;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>Composite routes round-trip through both stores and serve the same answer from either.</summary>
public sealed class AggregateStoreTests
{
    private static string Registry(string url) => $$"""
    {
      "backends": [ { "id": "users", "url": "{{url}}" } ],
      "routes": [ {
        "id": "home", "auth": "anonymous", "match": { "path": "/home/{id}", "methods": ["GET", "POST"] },
        "maxRequestBodySize": 2048,
        "aggregate": {
          "timeout": "5s", "maxConcurrency": 4, "maxResponseSize": 65536,
          "parts": [
            { "name": "profile", "backend": "users", "path": "/users/{route.id}", "fields": ["id", "name"], "rename": { "name": "fullName" }, "timeout": "2s", "maxResponseSize": 4096 },
            { "name": "orders", "backend": "users", "method": "POST", "path": "/orders?user={profile.id}",
              "headers": { "X-Lang": "{header.Accept-Language?}" }, "body": { "user": "{profile.id}", "limit": 5, "tags": ["a", "{query.tag?}"] },
              "optional": true, "fallback": { "items": [] }, "pointer": "/data", "member": "recentOrders" },
            { "name": "meta", "backend": "users", "path": "/meta", "merge": "root", "optional": true }
          ]
        }
      } ]
    }
    """;

    [Fact]
    public async Task Import_CompositeRouteIntoTableAndFile_LoadsBackIdentical()
    {
        var document = RegistrySerializer.ParseDocument(System.Text.Encoding.UTF8.GetBytes(Registry("http://127.0.0.1:9")), "portico.json").Value!;
        using var directory = new TempDirectory();
        using var file = new FileRegistryStore(directory.File("portico.json"), watch: false);
        IRegistryStore[] stores = [new TableRegistryStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName()), file];

        foreach (var store in stores)
        {
            await store.ImportAsync(document, prune: true, CancellationToken.None);
            var loaded = (await store.LoadAsync(CancellationToken.None)).Document!;

            Assert.True(RegistryDiff.Compute(document, loaded).IsEmpty, $"{store.Description}: {RegistryDiff.Compute(document, loaded)}");
            var parts = loaded.Routes.Single().Aggregate!.Parts;
            Assert.Equal(5, parts[1].Body!.Value.GetProperty("limit").GetInt32());
            Assert.Equal("fullName", parts[0].Rename!["name"]);
            Assert.Equal("root", parts[2].Merge);
        }
    }

    [Fact]
    public async Task Serve_CompositeRouteFromTableStorage_AnswersLikeTheFile()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.From(context => context.Request.Path.Value switch
        {
            "/users/7" => """{"id":"7","name":"Alan","email":"hidden"}""",
            "/orders" => """{"data":{"items":["o-1"]}}""",
            _ => """{"version":3}""",
        }));
        using var directory = new TempDirectory();
        var path = directory.File("composite.json");
        await File.WriteAllTextAsync(path, Registry(backend.Url));
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", path, "--storage", connection, "--table", table);
        Assert.True(code == 0, error);

        await using var fromTable = await GatewayHost.StartWithTableAsync(connection, table);
        await using var fromFile = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        const string expected = """{"profile":{"id":"7","fullName":"Alan"},"recentOrders":{"items":["o-1"]},"version":3}""" + "\n";
        Assert.Equal(expected, await fromTable.Client.GetStringAsync("/home/7"));
        Assert.Equal(expected, await fromFile.Client.GetStringAsync("/home/7"));
    }
}
