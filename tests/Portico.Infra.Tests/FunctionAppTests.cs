using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>The gateway runs on Flex Consumption, .NET 10 isolated, hardened and with its user-assigned identity.</summary>
public sealed class FunctionAppTests
{
    private static ArmResource Site => CompiledTemplates.Main.Single("Microsoft.Web/sites");

    [Fact]
    public void Site_Compiled_IsHttpsOnly()
    {
        Assert.True(Json.IsLiteral(Site.Get("properties.httpsOnly"), true));
    }

    [Fact]
    public void Site_Compiled_RequiresTls12ForTheAppAndItsScmSite()
    {
        Assert.Equal("1.2", Json.String(Site.Get("properties.siteConfig.minTlsVersion")));
        Assert.Equal("1.2", Json.String(Site.Get("properties.siteConfig.scmMinTlsVersion")));
    }

    [Fact]
    public void Site_Compiled_DisablesFtpsAndRemoteDebugging()
    {
        Assert.Equal("Disabled", Json.String(Site.Get("properties.siteConfig.ftpsState")));
        Assert.True(Json.IsLiteral(Site.Get("properties.siteConfig.remoteDebuggingEnabled"), false));
    }

    [Fact]
    public void Site_Compiled_IsALinuxFunctionApp()
    {
        Assert.Equal("functionapp,linux", Json.String(Site.Get("kind")));
    }

    [Fact]
    public void Site_DefaultDeployment_RunsAsTheUserAssignedIdentityOnly()
    {
        var snapshot = DeploymentSnapshot.Of();
        var identityId = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");
        var site = snapshot.Single("Microsoft.Web/sites");

        Assert.Equal("UserAssigned", Json.String(site["identity"]?["type"]));
        var assigned = Assert.IsType<JsonObject>(site["identity"]?["userAssignedIdentities"]);
        Assert.Equal([identityId], assigned.Select(pair => pair.Key));
    }

    [Fact]
    public void BasicPublishingCredentials_Compiled_AreDisabledForFtpAndScm()
    {
        var policies = CompiledTemplates.Main.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        var names = policies.Select(policy => policy.Name.Split(',')[^1].Trim(' ', '\'', ')', ']')).Order(StringComparer.Ordinal);
        Assert.Equal(["ftp", "scm"], names);
        Assert.All(policies, policy => Assert.True(Json.IsLiteral(policy.Get("properties.allow"), false)));
    }

    [Fact]
    public void BasicPublishingCredentials_DefaultDeployment_BelongToTheGateway()
    {
        var snapshot = DeploymentSnapshot.Of();
        var site = snapshot.IdOf("Microsoft.Web/sites");

        var ids = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").Select(policy => Json.String(policy["id"]));

        Assert.Equal([$"{site}/basicPublishingCredentialsPolicies/ftp", $"{site}/basicPublishingCredentialsPolicies/scm"], ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Plan_Compiled_IsFlexConsumptionFc1OnLinux()
    {
        var plan = CompiledTemplates.Main.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", Json.String(plan.Get("sku.name")));
        Assert.Equal("FlexConsumption", Json.String(plan.Get("sku.tier")));
        Assert.True(Json.IsLiteral(plan.Get("properties.reserved"), true));
    }

    [Fact]
    public void Runtime_Compiled_IsDotnetIsolated10()
    {
        Assert.Equal("dotnet-isolated", Json.String(Site.Get("properties.functionAppConfig.runtime.name")));
        Assert.Equal("10.0", Json.String(Site.Get("properties.functionAppConfig.runtime.version")));
    }

    [Fact]
    public void DeploymentStorage_DefaultDeployment_IsTheBlobContainerReachedByTheIdentity()
    {
        var snapshot = DeploymentSnapshot.Of();
        var identityId = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");
        var container = snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers")
            .Select(c => Json.String(c["name"])!.Split('/')[^1])
            .Single(name => name != "portico-descriptors");
        var storage = snapshot.Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["deployment"]?["storage"];

        Assert.Equal("blobContainer", Json.String(storage?["type"]));
        Assert.Equal("UserAssignedIdentity", Json.String(storage?["authentication"]?["type"]));
        Assert.Equal(identityId, Json.String(storage?["authentication"]?["userAssignedIdentityResourceId"]));
        // The URL is the account's blob endpoint (known only in Azure) followed by the container name.
        var url = Json.String(storage?["value"]);
        Assert.Contains(".primaryEndpoints.blob", url, StringComparison.Ordinal);
        Assert.EndsWith($", '{container}')]", url, StringComparison.Ordinal);
    }

    [Fact]
    public void ScaleAndConcurrency_DefaultDeployment_UsesTheDocumentedValues()
    {
        var scale = DeploymentSnapshot.Of().Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["scaleAndConcurrency"];

        Assert.True(Json.IsLiteral(scale?["instanceMemoryMB"], 2048), Json.Text(scale));
        Assert.True(Json.IsLiteral(scale?["maximumInstanceCount"], 100), Json.Text(scale));
        Assert.True(Json.IsLiteral(scale?["triggers"]?["http"]?["perInstanceConcurrency"], 100), Json.Text(scale));
        Assert.Equal("[]", Json.Text(scale?["alwaysReady"]));
    }

    [Fact]
    public void ScaleAndConcurrency_ParametersSet_ReachTheApp()
    {
        var snapshot = DeploymentSnapshot.Of(DeploymentSnapshot.Customized);

        var scale = snapshot.Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["scaleAndConcurrency"];

        Assert.True(Json.IsLiteral(scale?["instanceMemoryMB"], 4096), Json.Text(scale));
        Assert.True(Json.IsLiteral(scale?["maximumInstanceCount"], 40), Json.Text(scale));
        Assert.True(Json.IsLiteral(scale?["triggers"]?["http"]?["perInstanceConcurrency"], 250), Json.Text(scale));
        Assert.Equal("""[{"name":"http","instanceCount":1}]""", Json.Text(scale?["alwaysReady"]));
    }

    [Fact]
    public void Site_Compiled_DisablesClientAffinity()
    {
        // An ARRAffinity cookie would be set on every response the gateway proxies.
        Assert.True(Json.IsLiteral(Site.Get("properties.clientAffinityEnabled"), false));
    }
}
