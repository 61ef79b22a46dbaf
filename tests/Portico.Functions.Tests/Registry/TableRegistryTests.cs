using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Registry;

/// <summary>
/// The registry in Table storage (Azurite) under Functions: the app reads it at start, and a route imported with
/// <c>portico config import</c> goes live in the running worker within the reload interval, without a restart.
/// </summary>
public sealed class TableRegistryTests
{
    [Fact]
    public async Task Import_WhileServing_NewRouteLiveWithinTheReloadInterval()
    {
        await using var backend = await TestBackend.StartAsync(context => context.Response.WriteAsync("ok " + context.Request.Path));
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        using var directory = new TempDirectory();
        async Task ImportAsync(bool withNewRoute)
        {
            var file = directory.File(withNewRoute ? "v2.json" : "v1.json");
            await File.WriteAllTextAsync(file, $$"""
            {
              "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
              "routes": [
                { "id": "existing", "auth": "anonymous", "match": { "path": "/existing" }, "backend": "b" }
                {{(withNewRoute ? """, { "id": "new", "auth": "anonymous", "match": { "path": "/new/{**rest}" }, "backend": "b" }""" : "")}}
              ]
            }
            """);
            var (code, _, error) = await PorticoCli.RunAsync("config", "import", file, "--storage", connection, "--table", table);
            Assert.True(code == 0, error);
        }

        await ImportAsync(withNewRoute: false);
        await using var gateway = await FunctionsGateway.StartWithTableAsync(connection, table, new Dictionary<string, string?> { ["Portico__Registry__ReloadInterval"] = "00:00:01" });
        Assert.Equal("ok /existing", await gateway.Client.GetStringAsync("/existing"));
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/new/x")).StatusCode);

        await ImportAsync(withNewRoute: true);

        Assert.True(
            await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/new/x")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15)),
            gateway.Log);
        Assert.Equal("ok /new/x", await gateway.Client.GetStringAsync("/new/x"));
        Assert.Equal("ok /existing", await gateway.Client.GetStringAsync("/existing"));
    }
}
