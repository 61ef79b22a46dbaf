using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>What azd relies on: the service tag, the parameter mapping, the output names, the naming scheme.</summary>
public sealed class AzdContractTests
{
    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Services =>
        AzureYaml.Services(File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml")));

    [Fact]
    public void ServiceTag_Compiled_EqualsTheServiceNameInAzureYaml()
    {
        var site = CompiledTemplates.Main.Single("Microsoft.Web/sites");

        // The tag is added in the module from its serviceName parameter, which main.bicep sets from a variable.
        Assert.Equal("[union(parameters('tags'), createObject('azd-service-name', parameters('serviceName')))]", Json.String(site.Get("tags")));
        var serviceName = Json.String(site.Template.Parameter("serviceName"));
        var service = Assert.Single(Services);
        Assert.Equal(service.Key, serviceName);
    }

    [Fact]
    public void ServiceTag_DefaultDeployment_IsOnTheFunctionAppOnly()
    {
        var tagged = DeploymentSnapshot.Of().Resources.Where(resource => resource["tags"]?["azd-service-name"] is not null).ToList();

        var site = Assert.Single(tagged);
        Assert.Equal("Microsoft.Web/sites", Json.String(site["type"]));
        Assert.Equal(Assert.Single(Services).Key, Json.String(site["tags"]?["azd-service-name"]));
    }

    [Fact]
    public void GatewayService_AzureYaml_DeploysTheFunctionsProjectAsAFunction()
    {
        var service = Assert.Single(Services).Value;

        Assert.Equal("function", service["host"]);
        Assert.Equal("dotnet", service["language"]);
        Assert.Equal("./src/Portico.Functions", service["project"]);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "src", "Portico.Functions", "Portico.Functions.csproj")));
    }

    [Fact]
    public void ParametersFile_MapsAzdEnvironmentVariables()
    {
        var parameters = ParametersFile();

        Assert.Equal("${AZURE_ENV_NAME}", Json.String(parameters["environmentName"]?["value"]));
        Assert.Equal("${AZURE_LOCATION}", Json.String(parameters["location"]?["value"]));
        Assert.Equal("${AZURE_PRINCIPAL_ID}", Json.String(parameters["principalId"]?["value"]));
        // azd env set WEB_PUBSUB_HUB chat creates the Web PubSub resource; unset, azd substitutes "" and none is made.
        // The same name is the template's output, so the value azd writes back after a deployment is the one it read.
        Assert.Equal("${WEB_PUBSUB_HUB}", Json.String(parameters["webPubSubHub"]?["value"]));
        Assert.Equal("[parameters('webPubSubHub')]", Json.String(CompiledTemplates.Main.Outputs["WEB_PUBSUB_HUB"]?["value"]));
    }

    [Fact]
    public void ParametersFile_NamesOnlyParametersOfMain()
    {
        var unknown = ParametersFile().Select(pair => pair.Key).Where(name => !CompiledTemplates.Main.DeclaresParameter(name));

        Assert.Empty(unknown);
    }

    [Fact]
    public void Template_Compiled_DeploysAtSubscriptionScopeAndCreatesTheResourceGroup()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", Json.String(CompiledTemplates.Main.Json["$schema"]), StringComparison.Ordinal);
        CompiledTemplates.Main.Single("Microsoft.Resources/resourceGroups");
    }

    [Theory]
    [InlineData("AZURE_LOCATION")]
    [InlineData("AZURE_TENANT_ID")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    [InlineData("SERVICE_GATEWAY_NAME")]
    [InlineData("SERVICE_GATEWAY_URI")]
    [InlineData("PORTICO_GATEWAY_URL")]
    [InlineData("AZURE_STORAGE_TABLE_ENDPOINT")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_KEY_VAULT_URI")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("AZURE_FUNCTION_APP_NAME")]
    public void Outputs_Compiled_IncludeOutput(string name)
    {
        Assert.True(CompiledTemplates.Main.Outputs.ContainsKey(name), $"Missing output {name}.");
    }

    [Fact]
    public void ServiceOutputs_Compiled_AreNamedForTheAzureYamlService()
    {
        var service = Assert.Single(Services).Key.ToUpperInvariant();

        Assert.True(CompiledTemplates.Main.Outputs.ContainsKey($"SERVICE_{service}_NAME"));
        Assert.True(CompiledTemplates.Main.Outputs.ContainsKey($"SERVICE_{service}_URI"));
    }

    [Fact]
    public void GatewayUrl_DefaultDeployment_IsHttpsOnTheAppsHostName()
    {
        var snapshot = DeploymentSnapshot.Of();
        var site = snapshot.IdOf("Microsoft.Web/sites");
        var expected = $"[format('https://{{0}}', reference('{site}', '2024-11-01').defaultHostName)]";

        Assert.Equal(expected, Json.String(snapshot.Outputs["PORTICO_GATEWAY_URL"]));
        Assert.Equal(expected, Json.String(snapshot.Outputs["SERVICE_GATEWAY_URI"]));
    }

    [Fact]
    public void ResourceNames_DefaultDeployment_AreAbbreviationPlusOneToken()
    {
        var snapshot = DeploymentSnapshot.Of();
        var abbreviations = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "abbreviations.json")))!.AsObject();
        var storage = Json.String(snapshot.Single("Microsoft.Storage/storageAccounts")["name"])!;
        var token = storage[Json.String(abbreviations["storageStorageAccounts"])!.Length..];

        Assert.Matches("^[a-z0-9]{13}$", token);
        Assert.Equal($"rg-{DeploymentSnapshot.EnvironmentName}", Json.String(snapshot.Single("Microsoft.Resources/resourceGroups")["name"]));
        Assert.Equal(Json.String(abbreviations["webSitesFunctions"]) + token, Json.String(snapshot.Single("Microsoft.Web/sites")["name"]));
        Assert.Equal(Json.String(abbreviations["webServerFarms"]) + token, Json.String(snapshot.Single("Microsoft.Web/serverfarms")["name"]));
        Assert.Equal(Json.String(abbreviations["keyVaultVaults"]) + token, Json.String(snapshot.Single("Microsoft.KeyVault/vaults")["name"]));
        Assert.Equal(Json.String(abbreviations["insightsComponents"]) + token, Json.String(snapshot.Single("Microsoft.Insights/components")["name"]));
        Assert.Equal(Json.String(abbreviations["operationalInsightsWorkspaces"]) + token, Json.String(snapshot.Single("Microsoft.OperationalInsights/workspaces")["name"]));
        Assert.Equal(
            Json.String(abbreviations["managedIdentityUserAssignedIdentities"]) + token,
            Json.String(snapshot.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["name"]));
    }

    [Fact]
    public void ResourceNames_WithOverrides_UseTheGivenNames()
    {
        var snapshot = DeploymentSnapshot.Of(DeploymentSnapshot.Customized);

        Assert.Equal("rg-portico-shared", Json.String(snapshot.Single("Microsoft.Resources/resourceGroups")["name"]));
        Assert.Equal("stporticoshared", Json.String(snapshot.Single("Microsoft.Storage/storageAccounts")["name"]));
        Assert.Equal("portico-gateway", Json.String(snapshot.Single("Microsoft.Web/sites")["name"]));
        Assert.Equal("kv-portico-shared", Json.String(snapshot.Single("Microsoft.KeyVault/vaults")["name"]));
    }

    [Fact]
    public void ResourceNames_OtherEnvironment_GetAnotherToken()
    {
        var first = Json.String(DeploymentSnapshot.Of().Single("Microsoft.Storage/storageAccounts")["name"]);
        var second = Json.String(DeploymentSnapshot.Of(("environmentName", "'portico-other'")).Single("Microsoft.Storage/storageAccounts")["name"]);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Resources_DefaultDeployment_CarryTheAzdEnvironmentTag()
    {
        var untagged = DeploymentSnapshot.Of().Resources
            .Where(resource => resource["location"] is not null)
            .Where(resource => Json.String(resource["tags"]?["azd-env-name"]) != DeploymentSnapshot.EnvironmentName)
            .Select(resource => Json.String(resource["id"]))
            .ToList();

        Assert.Empty(untagged);
    }

    [Fact]
    public void Snapshot_DefaultDeployment_ReportsNoDiagnostics()
    {
        Assert.Empty(DeploymentSnapshot.Of().Diagnostics);
    }

    private static JsonObject ParametersFile() =>
        Assert.IsType<JsonObject>(JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "main.parameters.json")))?["parameters"]);
}
