using System.Net;
using Microsoft.Extensions.Logging;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Registry;

/// <summary>
/// A registry without routes is never taken silently: a reload that would remove every route is refused unless the
/// operator allows it, an empty registry at start is a loud warning, and exporting a table that holds nothing says
/// so (issue 22).
/// </summary>
public sealed class EmptyRegistryTests : IDisposable
{
    private const string OneRoute = """{ "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/x" }, "static": { "body": "x" } } ] }""";

    private static readonly Dictionary<string, string?> FastReload = new() { ["Portico:Registry:ReloadInterval"] = "00:00:01" };

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "routes": [] }""")]
    [InlineData("""{ "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ] }""")]
    public async Task Reload_FileWithoutRoutes_IsRejectedAndTheRoutesKeepServing(string empty)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(OneRoute, FastReload);

        await gateway.WriteConfigAsync(empty);

        Assert.True(await Eventually.TrueAsync(
            () => gateway.Logs.Entries.Any(e => e.EventId.Id == 101 && e.Message.Contains("the new registry has no routes", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10)), "the emptying reload was not rejected");
        Assert.Equal("x", await gateway.Client.GetStringAsync("/x"));
    }

    [Fact]
    public async Task Reload_FileWithoutRoutes_AppliedWhenAllowEmptyIsSet()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(OneRoute, new Dictionary<string, string?>(FastReload) { ["Portico:Registry:AllowEmpty"] = "true" });

        await gateway.WriteConfigAsync("{}");

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.Client.GetAsync("/x");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(10)), "the empty registry was not applied");
    }

    [Fact]
    public async Task Start_EmptyRegistry_LogsALoudWarning()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync("{}");

        var warning = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 103);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("NO ROUTES", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_TableNameWithATypo_WarnsOnStandardError()
    {
        var storage = await Azurite.ConnectionStringAsync();
        await using var gateway = GatewayProcess.Start("serve", "--storage", storage, "--table", Azurite.NewTableName("Typo"), "--urls", "http://127.0.0.1:0");
        await gateway.WaitUntilListeningAsync();

        Assert.True(await Eventually.TrueAsync(() => gateway.Error.Contains("portico serve: warning: the registry in table", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), gateway.Error);
        Assert.Contains("has no routes", gateway.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigExport_TableNothingWasImportedInto_SaysSoAndExitsThree()
    {
        var storage = await Azurite.ConnectionStringAsync();

        var (code, output, error) = await PorticoCli.RunAsync("config", "export", "--storage", storage, "--table", Azurite.NewTableName());

        Assert.Equal(3, code);
        Assert.Contains("holds no registry", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task ConfigImport_PruneThatRemovesEveryRoute_RefusedUnlessAllowEmpty()
    {
        var storage = await Azurite.ConnectionStringAsync();
        var table = Azurite.NewTableName();
        var full = _directory.File("full.json");
        var empty = _directory.File("empty.json");
        await File.WriteAllTextAsync(full, OneRoute);
        await File.WriteAllTextAsync(empty, "{}");
        Assert.Equal(0, (await PorticoCli.RunAsync("config", "import", full, "--storage", storage, "--table", table)).ExitCode);

        var (code, _, error) = await PorticoCli.RunAsync("config", "import", empty, "--storage", storage, "--table", table, "--prune");
        Assert.Equal(2, code);
        Assert.Contains("would leave", error, StringComparison.Ordinal);
        Assert.Contains("route r", (await PorticoCli.RunAsync("config", "diff", empty, "--storage", storage, "--table", table)).Output, StringComparison.Ordinal);

        (code, _, error) = await PorticoCli.RunAsync("config", "import", empty, "--storage", storage, "--table", table, "--prune", "--allow-empty");
        Assert.True(code == 0, error);
    }

    [Fact]
    public async Task ConfigValidate_FileWithoutRoutes_ValidWithAWarning()
    {
        var path = _directory.File("empty.json");
        await File.WriteAllTextAsync(path, "{}");

        var (code, _, error) = await PorticoCli.RunAsync("config", "validate", path);

        Assert.Equal(0, code);
        Assert.Contains("warning", error, StringComparison.Ordinal);
        Assert.Contains("has no routes", error, StringComparison.Ordinal);
    }
}
