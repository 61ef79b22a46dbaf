using Portico.Registry;

namespace Portico.WebPubSub;

/// <summary>
/// Where a WebSocket client goes instead on a host that cannot hold WebSockets (the Azure Functions host): the path of
/// the snapshot's first Web PubSub negotiate route, which the 501 answer names.
/// </summary>
internal static class WebPubSubNegotiateHint
{
    /// <summary>The match path of the first <c>negotiate</c> route of <paramref name="snapshot"/>; null when it has none.</summary>
    public static string? PathIn(GatewaySnapshot snapshot)
    {
        foreach (var route in snapshot.Routes.Routes)
        {
            if (route.Definition.WebPubSub is { Kind: "negotiate" })
            {
                return route.Definition.Match.Path;
            }
        }

        return null;
    }
}
