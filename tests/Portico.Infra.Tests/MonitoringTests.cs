using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>Application Insights takes identity-authenticated telemetry only and stores it in Log Analytics.</summary>
public sealed class MonitoringTests
{
    private static ArmResource Insights => CompiledTemplates.Main.Single("Microsoft.Insights/components");

    [Fact]
    public void ApplicationInsights_Compiled_DisablesLocalAuth()
    {
        Assert.True(Json.IsLiteral(Insights.Get("properties.DisableLocalAuth"), true));
    }

    [Fact]
    public void ApplicationInsights_DefaultDeployment_IsBasedOnTheWorkspace()
    {
        var snapshot = DeploymentSnapshot.Of();
        var workspace = snapshot.IdOf("Microsoft.OperationalInsights/workspaces");

        var insights = snapshot.Single("Microsoft.Insights/components");

        Assert.Equal(workspace, Json.String(insights["properties"]?["WorkspaceResourceId"]));
        Assert.Equal("LogAnalytics", Json.String(insights["properties"]?["IngestionMode"]));
    }

    [Fact]
    public void Workspace_DefaultDeployment_KeepsThirtyDays()
    {
        var workspace = DeploymentSnapshot.Of().Single("Microsoft.OperationalInsights/workspaces");

        Assert.True(Json.IsLiteral(workspace["properties"]?["retentionInDays"], 30), Json.Text(workspace["properties"]));
    }
}
