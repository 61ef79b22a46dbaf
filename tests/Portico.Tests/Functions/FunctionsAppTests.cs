using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Functions;

/// <summary>The Functions app as the host sees it: its generated metadata and its host.json.</summary>
public sealed class FunctionsAppTests
{
    private static readonly string Root = Repository.Root;

    [Fact]
    public void Metadata_CatchAllTrigger_AnonymousEveryMethodEveryPath()
    {
        var functions = ReadMetadata();
        var gateway = functions.Single(f => f.GetProperty("name").GetString() == "zz_Gateway");
        var trigger = gateway.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal("{*path}", trigger.GetProperty("route").GetString());
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
        var methods = trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToHashSet();
        Assert.Superset(new HashSet<string> { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE" }, methods);
    }

    [Fact]
    public void Metadata_CatchAll_SortsAfterEveryOtherFunction()
    {
        // The host tries HTTP routes in function-name order; the catch-all must come last whatever the comparison.
        var names = ReadMetadata().Select(f => f.GetProperty("name").GetString()!).ToList();
        Assert.Equal("zz_Gateway", names.Order(StringComparer.Ordinal).Last());
        Assert.Equal("zz_Gateway", names.Order(StringComparer.OrdinalIgnoreCase).Last());
    }

    [Fact]
    public void HostJson_RoutePrefixIsEmpty()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "host.json"))).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    private static List<JsonElement> ReadMetadata()
    {
        var path = Path.Combine(OutputDirectory(), "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata missing at {path}: build the Functions project");
        return [.. JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray()];
    }

    private static string OutputDirectory()
    {
        // The Functions project builds with the same configuration as this test project.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        return Path.Combine(Root, "src", "Portico.Functions", "bin", configuration, "net10.0");
    }
}
