using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.AddressLimits;

/// <summary>Registers per-address limits (<see cref="AddressLimitStage"/> and what it uses).</summary>
internal static class AddressLimitsServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoAddressLimits(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, AddressLimitsOptionsValidator>());
        services.TryAddSingleton<AddressLimitMetrics>();
        services.TryAddSingleton<FailedAuthenticationLimit>();
        services.TryAddSingleton<AddressLimitStage>();
        return services;
    }
}
