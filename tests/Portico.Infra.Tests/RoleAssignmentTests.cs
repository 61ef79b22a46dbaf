using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>
/// Role assignments: one map, one loop, built-in roles at the narrowest scope. Compiled-template tests check
/// the map and the loop as written; snapshot tests check what a deployment would create for a parameter set.
/// </summary>
public sealed class RoleAssignmentTests
{
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string SecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string WebPubSubServiceOwner = "12cf5a90-567b-43ae-8102-96cf46c7d9b4";

    private const string StorageType = "Microsoft.Storage/storageAccounts";
    private const string InsightsType = "Microsoft.Insights/components";
    private const string VaultType = "Microsoft.KeyVault/vaults";
    private const string WebPubSubType = "Microsoft.SignalRService/webPubSub";

    private static readonly string[] AppRoles = [BlobDataOwner, TableDataContributor, MetricsPublisher, SecretsUser];
    private static readonly string[] DeveloperRoles = [BlobDataOwner, TableDataContributor, SecretsUser];

    /// <summary>Each built-in role and the target the role map must give it.</summary>
    public static TheoryData<string, string> RolesAndTargets() => new()
    {
        { BlobDataOwner, "storage" },
        { TableDataContributor, "storage" },
        { QueueDataContributor, "storage" },
        { MetricsPublisher, "applicationInsights" },
        { SecretsUser, "keyVault" },
        { WebPubSubServiceOwner, "webPubSub" },
    };

    /// <summary>Each built-in role and the type of the one resource it must be scoped to.</summary>
    public static TheoryData<string, string> RolesAndScopes() => new()
    {
        { BlobDataOwner, StorageType },
        { TableDataContributor, StorageType },
        { QueueDataContributor, StorageType },
        { MetricsPublisher, InsightsType },
        { SecretsUser, VaultType },
        { WebPubSubServiceOwner, WebPubSubType },
    };

    [Theory]
    [MemberData(nameof(RolesAndTargets))]
    public void RoleMap_Compiled_TargetsEachRolesNarrowestResource(string roleId, string target)
    {
        var row = RoleMapRow(roleId);

        Assert.Equal(target, Json.String(row["target"]));
    }

    [Fact]
    public void RoleMap_Compiled_EnablesQueueRoleOnlyThroughUseQueuesWhichDefaultsOff()
    {
        var row = RoleMapRow(QueueDataContributor);

        Assert.Equal("[parameters('useQueues')]", Json.String(row["enabled"]));
        Assert.True(Json.IsLiteral(CompiledTemplates.Main.Parameter("useQueues"), false));
        Assert.All(
            RoleMap().Where(other => Json.String(other["id"]) is not (QueueDataContributor or WebPubSubServiceOwner)),
            other => Assert.True(Json.IsLiteral(other["enabled"], true), Json.Text(other)));
    }

    [Fact]
    public void RoleMap_Compiled_SharesOnlyDataRolesWithTheDeveloper()
    {
        var developerRoles = RoleMap().Where(row => Json.IsLiteral(row["developer"], true)).Select(row => Json.String(row["id"]));

        Assert.Equal(DeveloperRoles.Order(StringComparer.Ordinal), developerRoles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RoleAssignments_Compiled_ComeFromOneModuleLoopOverTheMap()
    {
        var main = CompiledTemplates.Main;
        var assignments = main.OfType("Microsoft.Authorization/roleAssignments");

        // Every role assignment sits in one module, and that module is deployed by one copy loop over the map.
        var modules = assignments.Select(assignment => assignment.Template.Deployment).Distinct().ToList();
        var module = Assert.Single(modules);
        Assert.NotNull(module);
        Assert.Equal("[length(variables('roleAssignments'))]", Json.String(module.Get("copy.count")));
        Assert.Equal("[variables('roleAssignments')[copyIndex()].id]", Json.String(module.Get("properties.parameters.roleDefinitionId.value")));
        Assert.Contains("variables('roleMap')", Json.String(main.Json["variables"]?["enabledRoles"]), StringComparison.Ordinal);
        Assert.Contains("variables('enabledRoles')", Json.String(main.Json["variables"]?["roleAssignments"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storage", StorageType, "storageAccountName")]
    [InlineData("applicationInsights", InsightsType, "applicationInsightsName")]
    [InlineData("keyVault", VaultType, "keyVaultName")]
    [InlineData("webPubSub", WebPubSubType, "webPubSubName")]
    public void RoleAssignmentModule_Compiled_ScopesEachTargetToItsResourceOnly(string target, string resourceType, string nameParameter)
    {
        var assignments = CompiledTemplates.Main.OfType("Microsoft.Authorization/roleAssignments");
        var scope = $"[resourceId('{resourceType}', parameters('{nameParameter}'))]";

        var assignment = Assert.Single(assignments, candidate => Json.String(candidate.Get("condition")) == $"[equals(parameters('target'), '{target}')]");

        Assert.Equal(scope, Json.String(assignment.Get("scope")));
        Assert.Equal($"[guid({scope[1..^1]}, parameters('principalId'), variables('roleDefinitionResourceId'))]", assignment.Name);
        Assert.Equal(
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleDefinitionId'))]",
            Json.String(assignment.Template.Json["variables"]?["roleDefinitionResourceId"]));
    }

    [Fact]
    public void RoleAssignments_DefaultDeployment_GrantTheAppItsFourRoles()
    {
        var assignments = Assignments(DeploymentSnapshot.Of());

        Assert.All(assignments, assignment => Assert.Equal("ServicePrincipal", assignment.PrincipalType));
        Assert.Equal(AppRoles.Order(StringComparer.Ordinal), assignments.Select(assignment => assignment.RoleId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RolesAndScopes))]
    public void RoleAssignments_AllRolesEnabled_AreScopedToTheirResource(string roleId, string resourceType)
    {
        var snapshot = DeploymentSnapshot.Of(("principalId", $"'{DeploymentSnapshot.DeveloperId}'"), ("useQueues", "true"), ("webPubSubHub", "'chat'"));
        var scope = snapshot.IdOf(resourceType);

        var granted = Assignments(snapshot).Where(assignment => assignment.RoleId == roleId).ToList();

        Assert.NotEmpty(granted);
        Assert.All(granted, assignment => Assert.Equal(scope, assignment.Scope));
        Assert.All(granted, assignment => Assert.Equal(
            $"/subscriptions/{DeploymentSnapshot.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleId}",
            assignment.RoleDefinitionId));
    }

    [Fact]
    public void RoleAssignments_DefaultDeployment_AreNamedByScopePrincipalAndRole()
    {
        var snapshot = DeploymentSnapshot.Of();
        var identity = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");

        Assert.All(Assignments(snapshot), assignment => Assert.Equal(
            $"[guid('{assignment.Scope}', reference('{identity}', '2024-11-30').principalId, '{assignment.RoleDefinitionId}')]",
            assignment.Name));
    }

    [Fact]
    public void RoleAssignments_WithUseQueues_AddQueueDataContributorForTheApp()
    {
        var assignments = Assignments(DeploymentSnapshot.Of(("useQueues", "true")));

        var queue = Assert.Single(assignments, assignment => assignment.RoleId == QueueDataContributor);
        Assert.Equal("ServicePrincipal", queue.PrincipalType);
    }

    [Fact]
    public void RoleAssignments_DefaultDeployment_GrantNoQueueRole()
    {
        Assert.DoesNotContain(Assignments(DeploymentSnapshot.Of()), assignment => assignment.RoleId == QueueDataContributor);
    }

    [Fact]
    public void RoleAssignments_WithPrincipalId_GrantTheDeveloperTheDataRolesAsUser()
    {
        var assignments = Assignments(DeploymentSnapshot.Of(("principalId", $"'{DeploymentSnapshot.DeveloperId}'")));

        var developer = assignments.Where(assignment => assignment.PrincipalId == DeploymentSnapshot.DeveloperId).ToList();

        Assert.All(developer, assignment => Assert.Equal("User", assignment.PrincipalType));
        Assert.Equal(DeveloperRoles.Order(StringComparer.Ordinal), developer.Select(assignment => assignment.RoleId).Order(StringComparer.Ordinal));
        Assert.Equal(AppRoles.Length + DeveloperRoles.Length, assignments.Count);
    }

    [Fact]
    public void RoleAssignments_WithPrincipalIdOfAPipeline_UseServicePrincipalType()
    {
        var assignments = Assignments(DeploymentSnapshot.Of(("principalId", $"'{DeploymentSnapshot.DeveloperId}'"), ("principalType", "'ServicePrincipal'")));

        Assert.All(
            assignments.Where(assignment => assignment.PrincipalId == DeploymentSnapshot.DeveloperId),
            assignment => Assert.Equal("ServicePrincipal", assignment.PrincipalType));
    }

    [Fact]
    public void RoleAssignments_WithPrincipalId_AreNamedForTheDeveloper()
    {
        var snapshot = DeploymentSnapshot.Of(("principalId", $"'{DeploymentSnapshot.DeveloperId}'"));

        var developer = Assignments(snapshot).Where(assignment => assignment.PrincipalId == DeploymentSnapshot.DeveloperId).ToList();

        // Evaluated guid(scope, principalId, roleId): distinct per scope and role, and unchanged when other
        // parameters change (here: adding the queue role), so redeployments update rather than duplicate.
        Assert.All(developer, assignment => Assert.True(Guid.TryParse(assignment.Name, out _), assignment.Name));
        Assert.Equal(developer.Count, developer.Select(assignment => assignment.Name).Distinct().Count());
        Assert.Equal(
            developer.Select(assignment => assignment.Name),
            Assignments(DeploymentSnapshot.Of(("principalId", $"'{DeploymentSnapshot.DeveloperId}'"), ("useQueues", "true")))
                .Where(assignment => assignment.PrincipalId == DeploymentSnapshot.DeveloperId)
                .Select(assignment => assignment.Name));
    }

    private static List<JsonObject> RoleMap() =>
        Assert.IsType<JsonArray>(CompiledTemplates.Main.Json["variables"]?["roleMap"]).OfType<JsonObject>().ToList();

    private static JsonObject RoleMapRow(string roleId) => Assert.Single(RoleMap(), row => Json.String(row["id"]) == roleId);

    private static List<Assignment> Assignments(DeploymentSnapshot snapshot) =>
        snapshot.OfType("Microsoft.Authorization/roleAssignments").Select(Assignment.From).ToList();

    /// <summary>One role assignment of a snapshot, with its scope taken from its id.</summary>
    private sealed record Assignment(string Name, string Scope, string RoleDefinitionId, string PrincipalId, string PrincipalType)
    {
        public string RoleId => RoleDefinitionId.Split('/')[^1];

        public static Assignment From(JsonObject resource)
        {
            var id = Json.String(resource["id"])!;
            var properties = resource["properties"];
            return new Assignment(
                Json.String(resource["name"])!,
                ScopeOf(id),
                Json.String(properties?["roleDefinitionId"])!,
                Json.String(properties?["principalId"])!,
                Json.String(properties?["principalType"])!);
        }

        // A concrete id reads <scope>/providers/Microsoft.Authorization/roleAssignments/<guid>; one that depends on
        // a runtime value reads [extensionResourceId('<scope>', 'Microsoft.Authorization/roleAssignments', ...)].
        private static string ScopeOf(string id)
        {
            const string Extension = "[extensionResourceId('";
            if (id.StartsWith(Extension, StringComparison.Ordinal))
            {
                return id[Extension.Length..id.IndexOf('\'', Extension.Length)];
            }

            var marker = id.LastIndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal);
            Assert.True(marker > 0, $"Unexpected role assignment id {id}.");
            return id[..marker];
        }
    }
}
