using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Discovery;

/// <summary>
/// Registers active health checks: the states by destination URL, the probe client, the telemetry, the prober (local
/// mode), and the shared health table with its reader and the Functions timer's run (shared mode).
/// </summary>
internal static class ActiveHealthServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoActiveHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<ActiveHealthStates>();
        services.TryAddSingleton<HealthProbeClient>();
        services.TryAddSingleton<ActiveHealthTelemetry>();
        services.TryAddSingleton<ActiveHealthProber>();
        services.AddHostedService(sp => sp.GetRequiredService<ActiveHealthProber>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, ActiveHealthOptionsValidator>());
        services.TryAddSingleton(sp => new Lazy<TableActiveHealthStore>(() => CreateStore(sp)));
        services.TryAddSingleton<SharedHealthReader>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedHealthReader>());
        services.TryAddSingleton(sp => new SharedHealthProbe(
            sp.GetRequiredService<SharedHealthReader>(),
            sp.GetRequiredService<ActiveHealthProber>(),
            sp.GetRequiredService<Lazy<TableActiveHealthStore>>(),
            sp.GetRequiredService<ActiveHealthTelemetry>(),
            sp.GetRequiredService<IOptions<PorticoOptions>>()));
        return services;
    }

    private static TableActiveHealthStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value;
        var storage = options.Storage;
        // Background work: a short network timeout keeps a dead account from holding a refresh or the timer's run.
        var client = TableStorage.CreateServiceClient(storage.Target!, storage.ClientId, TimeSpan.FromSeconds(5));
        return new TableActiveHealthStore(client, options.ActiveHealth.TableName);
    }
}
