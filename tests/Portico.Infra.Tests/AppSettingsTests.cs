using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>The app's settings connect with its identity only: no key, SAS, password or secret anywhere.</summary>
public sealed class AppSettingsTests
{
    private static ArmResource Site => CompiledTemplates.Main.Single("Microsoft.Web/sites");

    /// <summary>Setting name to compiled value.</summary>
    private static Dictionary<string, JsonNode?> Settings =>
        Assert.IsType<JsonArray>(Site.Get("properties.siteConfig.appSettings"))
            .OfType<JsonObject>()
            .ToDictionary(setting => Json.String(setting["name"])!, setting => setting["value"], StringComparer.Ordinal);

    [Theory]
    [InlineData("AzureWebJobsStorage__credential")]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("AzureWebJobsStorage__blobServiceUri")]
    [InlineData("AzureWebJobsStorage__queueServiceUri")]
    [InlineData("AzureWebJobsStorage__tableServiceUri")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")]
    [InlineData("Portico__Storage__TableServiceUri")]
    [InlineData("Portico__Storage__ClientId")]
    [InlineData("Portico__KeyVault__Uri")]
    [InlineData("Portico__Transcoding__DescriptorSets__ServiceUri")]
    [InlineData("Portico__Transcoding__DescriptorSets__ClientId")]
    [InlineData("Portico__Transcoding__DescriptorSets__Container")]
    [InlineData("AZURE_CLIENT_ID")]
    public void AppSettings_Compiled_IncludeIdentityBasedSetting(string name)
    {
        Assert.True(Settings.ContainsKey(name), $"Missing app setting {name}; have {string.Join(", ", Settings.Keys)}.");
    }

    [Fact]
    public void HostStorage_Compiled_UsesTheManagedIdentity()
    {
        Assert.Equal("managedidentity", Json.String(Settings["AzureWebJobsStorage__credential"]));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("Portico__Storage__ClientId")]
    [InlineData("Portico__Transcoding__DescriptorSets__ClientId")]
    [InlineData("AZURE_CLIENT_ID")]
    public void ClientIdSettings_DefaultDeployment_NameTheUserAssignedIdentity(string name)
    {
        var snapshot = DeploymentSnapshot.Of();
        var identityId = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");

        var value = SnapshotSettings(snapshot)[name];

        Assert.Equal($"[reference('{identityId}', '2024-11-30').clientId]", value);
    }

    [Fact]
    public void ApplicationInsightsAuthentication_DefaultDeployment_UsesTheIdentityWithEntraId()
    {
        var snapshot = DeploymentSnapshot.Of();
        var identityId = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");

        var value = SnapshotSettings(snapshot)["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

        Assert.Equal($"[format('ClientId={{0}};Authorization=AAD', reference('{identityId}', '2024-11-30').clientId)]", value);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__blobServiceUri", "blob")]
    [InlineData("AzureWebJobsStorage__queueServiceUri", "queue")]
    [InlineData("AzureWebJobsStorage__tableServiceUri", "table")]
    [InlineData("Portico__Storage__TableServiceUri", "table")]
    [InlineData("Portico__Transcoding__DescriptorSets__ServiceUri", "blob")]
    public void StorageEndpoints_DefaultDeployment_AreTheAccountsServiceEndpoints(string name, string service)
    {
        var snapshot = DeploymentSnapshot.Of();
        var account = snapshot.IdOf("Microsoft.Storage/storageAccounts");

        Assert.Equal($"[reference('{account}', '2025-01-01').primaryEndpoints.{service}]", SnapshotSettings(snapshot)[name]);
    }

    [Fact]
    public void DescriptorSetContainer_DefaultDeployment_IsAProvisionedContainer()
    {
        var snapshot = DeploymentSnapshot.Of();
        var containers = snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => Json.String(c["name"])!.Split('/')[^1]);

        var setting = SnapshotSettings(snapshot)["Portico__Transcoding__DescriptorSets__Container"];

        Assert.Equal("portico-descriptors", setting);
        Assert.Contains(setting, containers);
    }

    [Fact]
    public void KeyVaultUri_DefaultDeployment_IsTheVaultsUri()
    {
        var snapshot = DeploymentSnapshot.Of();
        var vault = snapshot.IdOf("Microsoft.KeyVault/vaults");

        Assert.Equal($"[reference('{vault}', '2024-11-01').vaultUri]", SnapshotSettings(snapshot)["Portico__KeyVault__Uri"]);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("APPINSIGHTS_INSTRUMENTATIONKEY")]
    [InlineData("Portico__Storage__ConnectionString")]
    public void AppSettings_Compiled_OmitKeyedOrNonFlexSetting(string name)
    {
        // Keyed connection settings would need a key; Flex Consumption rejects the runtime and package settings
        // (the runtime comes from functionAppConfig).
        Assert.False(Settings.ContainsKey(name), $"App setting {name} must not be set.");
    }

    [Fact]
    public void AppSettings_Compiled_ContainNoSecretLookingNameOrValue()
    {
        var findings = Settings
            .SelectMany(setting => SecretPatterns.Matches($"{setting.Key}={Json.Text(setting.Value)}").Select(match => $"{setting.Key}: {match}"))
            .ToList();

        Assert.Empty(findings);
    }

    [Fact]
    public void AppSettings_DefaultDeployment_ContainNoSecretLookingNameOrValue()
    {
        var findings = SnapshotSettings(DeploymentSnapshot.Of())
            .SelectMany(setting => SecretPatterns.Matches($"{setting.Key}={setting.Value}").Select(match => $"{setting.Key}: {match}"))
            .ToList();

        Assert.Empty(findings);
    }

    [Fact]
    public void Template_Compiled_ContainsNoCredentialShapeAnywhere()
    {
        // Covers every module, output and parameter default: no listKeys()/SAS function, key or password.
        var findings = SecretPatterns.Matches(CompiledTemplates.Main.Json.ToJsonString());

        Assert.Empty(findings);
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=portico;AccountKey=bm90LWEta2V5;EndpointSuffix=core.windows.net")]
    [InlineData("https://portico.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=bm90LWEtc2ln")]
    [InlineData("Endpoint=sb://portico.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=bm90")]
    [InlineData("Server=db;User Id=portico;Password=hunter2")]
    [InlineData("client_secret=abc")]
    [InlineData("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2025-01-01').keys[0].value]")]
    public void SecretPatterns_CredentialShape_IsDetected(string value)
    {
        Assert.NotEmpty(SecretPatterns.Matches(value));
    }

    [Theory]
    [InlineData("ClientId=00000000-0000-0000-0000-000000000000;Authorization=AAD")]
    [InlineData("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/")]
    [InlineData("managedidentity")]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("https://kv-portico.vault.azure.net/")]
    public void SecretPatterns_IdentityBasedValue_IsNotFlagged(string value)
    {
        Assert.Empty(SecretPatterns.Matches(value));
    }

    private static Dictionary<string, string?> SnapshotSettings(DeploymentSnapshot snapshot) =>
        Assert.IsType<JsonArray>(snapshot.Single("Microsoft.Web/sites")["properties"]?["siteConfig"]?["appSettings"])
            .OfType<JsonObject>()
            .ToDictionary(setting => Json.String(setting["name"])!, setting => Json.String(setting["value"]), StringComparer.Ordinal);
}
