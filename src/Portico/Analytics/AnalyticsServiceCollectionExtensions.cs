using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Admin;
using Portico.Hosting;
using Portico.Storage.Tables;

namespace Portico.Analytics;

/// <summary>Registers traffic analytics: the recorder, the store (Table storage when configured, else memory), the flusher and the admin endpoints.</summary>
internal static class AnalyticsServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoAnalytics(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, AnalyticsOptionsValidator>());
        services.TryAddSingleton<AnalyticsRecorder>();
        services.TryAddSingleton<AnalyticsMetrics>();
        services.TryAddSingleton<IAnalyticsStore>(CreateStore);
        services.TryAddSingleton<AnalyticsFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<AnalyticsFlusher>());
        services.TryAddSingleton<AnalyticsQueryRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, AnalyticsEndpoint>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, InstancesEndpoint>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, GatewayStateEndpoint>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, DashboardEndpoint>());
        return services;
    }

    private static IAnalyticsStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value;
        var storage = options.Storage;
        if (!storage.IsConfigured)
        {
            return new MemoryAnalyticsStore();
        }

        return CreateTableStore(storage, options.Analytics.TableName);
    }

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IAnalyticsStore CreateTableStore(StorageOptions storage, string tableName) =>
        // A flush is background work: a short network timeout keeps a dead account from holding shutdown's last flush.
        new TableAnalyticsStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId, TimeSpan.FromSeconds(5)), tableName);
}
