using System.Net;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Registry;

/// <summary>Table mode: a route imported with <c>portico config import</c> goes live in running gateways without a restart.</summary>
public sealed class TableReloadTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastReload = new() { ["Portico:Registry:ReloadInterval"] = "00:00:01" };

    private TestBackend _backend = null!;
    private TempDirectory _directory = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(context => Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "ok " + context.Request.Path));
        _directory = new TempDirectory();
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<string> WriteFileAsync(string name, bool withNewRoute)
    {
        var path = _directory.File(name);
        await File.WriteAllTextAsync(path, $$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [
            { "id": "existing", "auth": "anonymous", "match": { "path": "/existing" }, "backend": "b" }
            {{(withNewRoute ? """, { "id": "new", "auth": "anonymous", "match": { "path": "/new/{**rest}" }, "backend": "b" }""" : "")}}
          ]
        }
        """);
        return path;
    }

    [Fact]
    public async Task Import_WhileServingUnderLoad_NewRouteLiveWithinIntervalAndNoErrors()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var (code, _, error) = await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v1.json", false), "--storage", connection, "--table", table);
        Assert.True(code == 0, error);

        // Two gateway instances, as a scaled-out Functions app would have, on one test clock: their reload checks run
        // when the test lets an interval pass, and each has been waiting for its first since it started.
        var clock = new TestClock();
        await using var first = await GatewayHost.StartWithTableAsync(connection, table, FastReload, clock.AddTo);
        await using var second = await GatewayHost.StartWithTableAsync(connection, table, FastReload, clock.AddTo);
        await using var load1 = new LoadLoop(first.Client, "/existing");
        await using var load2 = new LoadLoop(second.Client, "/existing");
        Assert.True(await load1.WaitForMoreAsync(30));
        Assert.Equal(HttpStatusCode.NotFound, (await first.Client.GetAsync("/new/x")).StatusCode);

        (code, var output, error) = await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v2.json", true), "--storage", connection, "--table", table);
        Assert.True(code == 0, error);
        Assert.Contains("+ route new", output);

        // Reload interval 1 s: one interval passes, and both instances serve the route after their one check.
        clock.Advance(TimeSpan.FromSeconds(1));
        foreach (var gateway in new[] { first, second })
        {
            Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/new/x")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15)));
        }

        Assert.Equal("ok /new/x", await first.Client.GetStringAsync("/new/x"));
        Assert.True(await load2.WaitForMoreAsync(30));
        await load1.DisposeAsync();
        await load2.DisposeAsync();
        Assert.Empty(load1.Failures);
        Assert.Empty(load2.Failures);
    }

    [Fact]
    public async Task Storage_GoesDownAndReturns_LiveSnapshotKeepsServingAndChangesArriveAfterwards()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v1.json", false), "--storage", azurite.ConnectionString, "--table", table)).ExitCode);
        await using var gateway = await GatewayHost.StartWithTableAsync(azurite.ConnectionString, table, FastReload);
        await using var load = new LoadLoop(gateway.Client, "/existing");
        Assert.True(await load.WaitForMoreAsync(20));

        azurite.Kill();
        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id is 102 or 110), TimeSpan.FromSeconds(30)), "the outage was not logged");
        Assert.True(await load.WaitForMoreAsync(50));

        await azurite.StartAgainAsync();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v2.json", true), "--storage", azurite.ConnectionString, "--table", table)).ExitCode);
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/new/y")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)));

        await load.DisposeAsync();
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task TableDeletedWhileServing_LiveSnapshotKeepsServingUntilARegistryIsImportedAgain()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v1.json", false), "--storage", connection, "--table", table)).ExitCode);
        await using var gateway = await GatewayHost.StartWithTableAsync(connection, table, FastReload);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/existing")).StatusCode);

        // A table that vanishes (deleted, or storage restored without its data) is an outage, not an empty registry.
        await (await Azurite.ServiceClientAsync()).DeleteTableAsync(table);
        Assert.True(
            await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id is 102 or 110 && e.Message.Contains("lost its revision", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)),
            "the lost registry was not logged");
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/existing")).StatusCode);

        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", await WriteFileAsync("v2.json", true), "--storage", connection, "--table", table)).ExitCode);
        Assert.True(await Eventually.TrueAsync(async () => (await gateway.Client.GetAsync("/new/y")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/existing")).StatusCode);
    }

    [Fact]
    public async Task Import_InvalidFile_WritesNothingAndExplains()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var path = _directory.File("bad.json");
        await File.WriteAllTextAsync(path, """{ "routes": [ { "id": "x", "auth": "anonymous", "match": { "path": "/x" }, "backend": "missing" } ] }""");

        var (code, _, error) = await PorticoCli.RunAsync("config", "import", path, "--storage", connection, "--table", table);

        Assert.Equal(2, code);
        Assert.Contains("bad.json:1:", error);
        Assert.Contains("unknown backend 'missing'", error);
        var (exportCode, exported, _) = await PorticoCli.RunAsync("config", "export", "--storage", connection, "--table", table);
        Assert.Equal(0, exportCode);
        Assert.DoesNotContain("\"x\"", exported);
    }
}
