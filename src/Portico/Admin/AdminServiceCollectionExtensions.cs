using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Admin;

/// <summary>
/// Registers the admin surface: its settings check, the admin policy, the failed-attempt limit, the start-up report
/// and the endpoints it serves. A feature with operator endpoints registers them as <see cref="IPorticoEndpoint"/>
/// with <see cref="PorticoEndpointAccess.Admin"/> under <c>/admin</c>, and gets authentication and audit from here.
/// </summary>
internal static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoAdmin(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, AdminOptionsValidator>());
        services.TryAddSingleton<AdminMetrics>();
        services.TryAddSingleton<AdminAttemptLimiter>();
        services.TryAddSingleton<AdminGate>();
        services.AddHostedService<AdminStartupReport>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, RegistryEndpoint>());
        return services;
    }
}
