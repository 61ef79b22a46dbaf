using Portico.Cli.Config;
using Portico.Configuration;
using Portico.Storage.File;

namespace Portico.Tests.Infrastructure;

/// <summary>Runs the gateway's own validation on a registry file, as <c>portico config validate</c> does.</summary>
public static class RegistryValidation
{
    public static async Task<IReadOnlyList<ConfigurationError>> ErrorsAsync(string json, string fileName = "portico.json")
    {
        using var directory = new TempDirectory();
        var path = directory.File(fileName);
        await File.WriteAllTextAsync(path, json);
        using var store = new FileRegistryStore(path, watch: false);
        var (outcome, _) = await RegistryCheck.RunAsync(store, CancellationToken.None);
        // Report locations relative to the file name, as a user would read them.
        return [.. outcome.Errors.Select(e => e with { Location = e.Location?.Replace(directory.Path + Path.DirectorySeparatorChar, "", StringComparison.Ordinal) })];
    }
}
