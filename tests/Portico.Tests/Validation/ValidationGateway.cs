using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Validation;

/// <summary>
/// Starts a gateway whose registry refers to files beside it (schemas, OpenAPI documents): the files are written next to
/// the registry file, then the registry is replaced and reloaded.
/// </summary>
public static class ValidationGateway
{
    public static async Task<GatewayHost> StartAsync(string registryJson, IReadOnlyDictionary<string, string> files)
    {
        var gateway = await GatewayHost.StartWithFileAsync("""{ "routes": [ { "id": "placeholder", "auth": "anonymous", "match": { "path": "/placeholder" }, "static": { "body": "" } } ] }""");
        var directory = Path.GetDirectoryName(gateway.ConfigPath)!;
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, name), text);
        }

        await gateway.WriteConfigAsync(registryJson);
        var outcome = await gateway.Services.GetRequiredService<RegistryRuntime>().ReloadAsync(CancellationToken.None);
        Assert.True(outcome.Kind == ReloadKind.Applied, string.Join(Environment.NewLine, outcome.Errors));
        return gateway;
    }

    /// <summary>A copy of a document kept under tests/Portico.Tests/Validation/Specs.</summary>
    public static string Spec(string name) =>
        File.ReadAllText(Path.Combine(Repository.Root, "tests", "Portico.Tests", "Validation", "Specs", name));
}
