using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>
/// Azure Web PubSub for the gateway's WebSocket clients: absent unless a hub is named; when present, Entra ID only
/// (local auth disabled), one hub whose event handler is the gateway's events route signed in with the service's
/// managed identity, and the gateway's identity holding Web PubSub Service Owner on it and nothing wider.
/// </summary>
public sealed class WebPubSubTests
{
    private const string WebPubSubType = "Microsoft.SignalRService/webPubSub";
    private const string HubType = "Microsoft.SignalRService/webPubSub/hubs";
    private const string ServiceOwner = "12cf5a90-567b-43ae-8102-96cf46c7d9b4";

    private static DeploymentSnapshot WithHub => DeploymentSnapshot.Of(("webPubSubHub", "'chat'"), ("webPubSubEventPath", "'/chat/events'"));

    [Fact]
    public void WebPubSub_DefaultDeployment_IsNotCreatedAndGrantsNothing()
    {
        var snapshot = DeploymentSnapshot.Of();

        Assert.Empty(snapshot.OfType(WebPubSubType));
        Assert.DoesNotContain(snapshot.OfType("Microsoft.Authorization/roleAssignments"), RoleIs(ServiceOwner));
        Assert.Equal("", Json.String(snapshot.Outputs["WEB_PUBSUB_ENDPOINT"]));
    }

    [Fact]
    public void WebPubSub_WithHub_DisablesLocalAuthAndKeepsEntraId()
    {
        var service = WithHub.Single(WebPubSubType);

        Assert.True(Json.IsLiteral(service["properties"]?["disableLocalAuth"], true));
        Assert.True(Json.IsLiteral(service["properties"]?["disableAadAuth"], false));
        Assert.Equal("SystemAssigned", Json.String(service["identity"]?["type"]));
        Assert.Equal("Standard_S1", Json.String(service["sku"]?["name"]));
    }

    [Fact]
    public void WebPubSub_WithHub_EventHandlerIsTheGatewaysEventsRouteWithManagedIdentity()
    {
        var snapshot = WithHub;
        var hub = snapshot.Single(HubType);
        var handler = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(hub["properties"]?["eventHandlers"])));
        var site = snapshot.IdOf("Microsoft.Web/sites");

        Assert.EndsWith("/chat", Json.String(hub["name"]), StringComparison.Ordinal);
        Assert.Equal("Deny", Json.String(hub["properties"]?["anonymousConnectPolicy"]));
        // The app's real default host name, read from the deployed app (a Flex Consumption app's is not <name>.azurewebsites.net).
        Assert.Equal($"[format('https://{{0}}{{1}}', reference('{site}', '2024-11-01').defaultHostName, '/chat/events')]", Json.String(handler["urlTemplate"]));
        Assert.DoesNotContain("azurewebsites.net", Json.String(handler["urlTemplate"]), StringComparison.Ordinal);
        Assert.Equal("*", Json.String(handler["userEventPattern"]));
        Assert.Equal(["connect", "connected", "disconnected"], Assert.IsType<JsonArray>(handler["systemEvents"]).Select(e => Json.String(e)));
        Assert.Equal("ManagedIdentity", Json.String(handler["auth"]?["type"]));
        // The audience is the gateway identity's client id, which the events route's jwt policy checks.
        var identity = snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities");
        Assert.Contains(identity, Json.String(handler["auth"]?["managedIdentity"]?["resource"]), StringComparison.Ordinal);
    }

    [Fact]
    public void WebPubSub_WithHub_GatewayIdentityIsServiceOwnerOnTheResourceOnly()
    {
        var snapshot = WithHub;
        var scope = snapshot.IdOf(WebPubSubType);

        var owner = Assert.Single(snapshot.OfType("Microsoft.Authorization/roleAssignments"), RoleIs(ServiceOwner));
        Assert.StartsWith(scope, Scope(owner), StringComparison.Ordinal);
        Assert.Equal("ServicePrincipal", Json.String(owner["properties"]?["principalType"]));
        Assert.Contains(
            snapshot.IdOf("Microsoft.ManagedIdentity/userAssignedIdentities"),
            Json.String(owner["properties"]?["principalId"]),
            StringComparison.Ordinal);
    }

    [Fact]
    public void WebPubSub_WithHub_OutputsTheEndpointForTheRegistry()
    {
        var outputs = CompiledTemplates.Main.Outputs;

        Assert.Contains("endpoint", Json.String(outputs["WEB_PUBSUB_ENDPOINT"]?["value"]), StringComparison.Ordinal);
        Assert.Equal("[parameters('webPubSubHub')]", Json.String(outputs["WEB_PUBSUB_HUB"]?["value"]));
    }

    private static Predicate<JsonObject> RoleIs(string roleId) =>
        assignment => Json.String(assignment["properties"]?["roleDefinitionId"])?.EndsWith("/" + roleId, StringComparison.Ordinal) == true;

    private static string Scope(JsonObject assignment)
    {
        var id = Json.String(assignment["id"])!;
        const string Extension = "[extensionResourceId('";
        return id.StartsWith(Extension, StringComparison.Ordinal) ? id[Extension.Length..id.IndexOf('\'', Extension.Length)] : id;
    }
}
