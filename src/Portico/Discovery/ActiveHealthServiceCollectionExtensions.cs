using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portico.Discovery;

/// <summary>Registers active health checks: the states by destination URL, the probe client, the telemetry and the prober.</summary>
internal static class ActiveHealthServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoActiveHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<ActiveHealthStates>();
        services.TryAddSingleton<HealthProbeClient>();
        services.TryAddSingleton<ActiveHealthTelemetry>();
        services.TryAddSingleton<ActiveHealthProber>();
        services.AddHostedService(sp => sp.GetRequiredService<ActiveHealthProber>());
        return services;
    }
}
