using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>The Key Vault is authorized by RBAC only and keeps deleted secrets recoverable.</summary>
public sealed class KeyVaultTests
{
    private static ArmResource Vault => CompiledTemplates.Main.Single("Microsoft.KeyVault/vaults");

    [Fact]
    public void KeyVault_Compiled_UsesRbacAuthorization()
    {
        Assert.True(Json.IsLiteral(Vault.Get("properties.enableRbacAuthorization"), true));
        Assert.Null(Vault.Get("properties.accessPolicies"));
    }

    [Fact]
    public void KeyVault_Compiled_KeepsSoftDeleteOn()
    {
        Assert.True(Json.IsLiteral(Vault.Get("properties.enableSoftDelete"), true));
    }

    [Fact]
    public void KeyVault_DefaultDeployment_OmitsPurgeProtection()
    {
        // The service rejects an explicit false, so "off" must mean "not sent".
        var vault = DeploymentSnapshot.Of().Single("Microsoft.KeyVault/vaults");

        Assert.Null(vault["properties"]?["enablePurgeProtection"]);
    }

    [Fact]
    public void KeyVault_WithPurgeProtection_EnablesIt()
    {
        var vault = DeploymentSnapshot.Of(DeploymentSnapshot.Customized).Single("Microsoft.KeyVault/vaults");

        Assert.True(Json.IsLiteral(vault["properties"]?["enablePurgeProtection"], true));
    }

    [Fact]
    public void KeyVault_DefaultDeployment_BelongsToTheDeploymentTenant()
    {
        var vault = DeploymentSnapshot.Of().Single("Microsoft.KeyVault/vaults");

        Assert.Equal(DeploymentSnapshot.TenantId, Json.String(vault["properties"]?["tenantId"]));
    }
}
