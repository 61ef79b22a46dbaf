using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery;

/// <summary>Registries with one backend <c>b</c> of several destinations and one route <c>r</c> on <c>/r/{**rest}</c>.</summary>
internal static class ClusterGateway
{
    /// <summary>The registry; <paramref name="backendFields"/> and <paramref name="routeResilience"/> are JSON added to the backend and route.</summary>
    public static string Registry(IEnumerable<string> destinationUrls, string backendFields = "", string? routeResilience = null) => $$"""
    {
      "backends": [
        {
          "id": "b",
          "destinations": [
            {{string.Join(",\n        ", destinationUrls.Select(url => $$"""{ "url": "{{url}}" }"""))}}
          ]{{(backendFields.Length == 0 ? "" : ",\n      " + backendFields)}}
        }
      ],
      "routes": [
        { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b"{{(routeResilience is null ? "" : $", \"resilience\": {routeResilience}")}} }
      ]
    }
    """;

    public static Task<GatewayHost> StartAsync(IEnumerable<string> destinationUrls, string backendFields = "", string? routeResilience = null) =>
        GatewayHost.StartWithFileAsync(Registry(destinationUrls, backendFields, routeResilience));

    /// <summary>An address where nothing listens: a backend's, after it stopped.</summary>
    public static async Task<string> DeadUrlAsync()
    {
        var backend = await TestBackend.StartAsync();
        var url = backend.Url;
        await backend.DisposeAsync();
        return url;
    }
}
