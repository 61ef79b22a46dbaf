using System.Text;
using Portico.Configuration;
using Portico.Storage.Tables;

namespace Portico.Tests.Infrastructure;

/// <summary>Registries imported into Table storage, as <c>portico config import</c> does, for gateways in Table mode.</summary>
public static class RegistryTables
{
    /// <summary>
    /// Imports <paramref name="registryJson"/> into a fresh table of the shared Azurite, or of the account
    /// <paramref name="connectionString"/> names; returns the table's name.
    /// </summary>
    public static async Task<string> ImportAsync(string registryJson, string? connectionString = null)
    {
        var table = Azurite.NewTableName();
        var parsed = RegistrySerializer.ParseDocument(Encoding.UTF8.GetBytes(registryJson), "test");
        Assert.True(parsed.Value is not null, string.Join("; ", parsed.Errors));
        var service = connectionString is null ? await Azurite.ServiceClientAsync() : TableStorage.CreateServiceClient(connectionString);
        await new TableRegistryStore(service, table).ImportAsync(parsed.Value!, prune: false, CancellationToken.None);
        return table;
    }
}
