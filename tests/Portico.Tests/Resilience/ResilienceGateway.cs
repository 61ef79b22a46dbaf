using Microsoft.Extensions.DependencyInjection;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>Registries with one backend and one route whose resilience the test chooses.</summary>
internal static class ResilienceGateway
{
    /// <summary>A registry where route <c>r</c> on <c>/r/{**rest}</c> proxies to backend <c>b</c>.</summary>
    public static string Registry(string backendUrl, string? route = null, string? backend = null, string extraBackends = "") => $$"""
    {
      "backends": [
        { "id": "b", "url": "{{backendUrl}}"{{(backend is null ? "" : $", \"resilience\": {backend}")}} }{{extraBackends}}
      ],
      "routes": [
        { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b"{{(route is null ? "" : $", \"resilience\": {route}")}} }
      ]
    }
    """;

    public static Task<GatewayHost> StartAsync(string backendUrl, string? route = null, string? backend = null, Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null) =>
        GatewayHost.StartWithFileAsync(Registry(backendUrl, route, backend), settings, services);
}
