using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>The storage account accepts Entra ID only, over TLS 1.2, and holds the tables Portico uses.</summary>
public sealed class StorageTests
{
    private static ArmResource Account => CompiledTemplates.Main.Single("Microsoft.Storage/storageAccounts");

    [Fact]
    public void StorageAccount_Compiled_DisablesSharedKeyAccess()
    {
        Assert.True(Json.IsLiteral(Account.Get("properties.allowSharedKeyAccess"), false), Json.Text(Account.Get("properties")));
    }

    [Fact]
    public void StorageAccount_Compiled_DisablesPublicBlobAccess()
    {
        Assert.True(Json.IsLiteral(Account.Get("properties.allowBlobPublicAccess"), false));
    }

    [Fact]
    public void StorageAccount_Compiled_RequiresHttpsAndTls12()
    {
        Assert.True(Json.IsLiteral(Account.Get("properties.supportsHttpsTrafficOnly"), true));
        Assert.Equal("TLS1_2", Json.String(Account.Get("properties.minimumTlsVersion")));
    }

    [Fact]
    public void StorageAccount_Compiled_DefaultsToEntraIdInThePortal()
    {
        Assert.True(Json.IsLiteral(Account.Get("properties.defaultToOAuthAuthentication"), true));
    }

    [Fact]
    public void Tables_DefaultDeployment_AreThePorticoTables()
    {
        var snapshot = DeploymentSnapshot.Of();

        var tables = snapshot.OfType("Microsoft.Storage/storageAccounts/tableServices/tables")
            .Select(table => Json.String(table["name"])!.Split('/')[^1])
            .Order(StringComparer.Ordinal);

        Assert.Equal(["PorticoAnalytics", "PorticoApiKeys", "PorticoCircuitBreakers", "PorticoRateCounters", "PorticoRegistry"], tables);
    }

    [Fact]
    public void Tables_DefaultDeployment_BelongToTheOneStorageAccount()
    {
        var snapshot = DeploymentSnapshot.Of();
        var account = snapshot.IdOf("Microsoft.Storage/storageAccounts");

        Assert.All(
            snapshot.OfType("Microsoft.Storage/storageAccounts/tableServices/tables"),
            table => Assert.StartsWith($"{account}/tableServices/default/tables/", Json.String(table["id"]), StringComparison.Ordinal));
    }

    [Fact]
    public void BlobContainers_DefaultDeployment_AreTheDeploymentAndDescriptorContainersBothPrivate()
    {
        var containers = DeploymentSnapshot.Of().OfType("Microsoft.Storage/storageAccounts/blobServices/containers");

        Assert.Equal(2, containers.Count);
        Assert.Contains(containers, c => Json.String(c["name"])!.EndsWith("/portico-descriptors", StringComparison.Ordinal));
        Assert.All(containers, c => Assert.Equal("None", Json.String(c["properties"]?["publicAccess"])));
    }
}
