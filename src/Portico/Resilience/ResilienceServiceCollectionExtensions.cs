using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Resilience.CircuitBreakers;
using Portico.Storage.Tables;

namespace Portico.Resilience;

/// <summary>Registers the resilience services; called by <see cref="PorticoServiceCollectionExtensions.AddPortico(IServiceCollection, Action{PorticoOptions}?)"/>.</summary>
internal static class ResilienceServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoResilience(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, ResilienceOptionsValidator>());
        services.TryAddSingleton<ResilienceTelemetry>();
        services.TryAddSingleton(CreateBoard);
        services.TryAddSingleton<BackendResilienceRegistry>();
        services.TryAddSingleton<ResilienceCompiler>();
        services.AddHostedService<CircuitBreakerSync>();
        return services;
    }

    /// <summary>Shared circuits need Table storage; without it (file mode) circuits are per instance.</summary>
    private static CircuitBreakerBoard CreateBoard(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value;
        var instance = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } azure
            ? $"{azure[..Math.Min(12, azure.Length)]}-{Environment.ProcessId}"
            : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        ICircuitBreakerStore? store = services.GetService<ICircuitBreakerStore>();
        if (store is null && options.Resilience.Enabled && options.Resilience.ShareCircuitBreakers && options.Storage.IsConfigured)
        {
            store = CreateTableStore(options.Storage, options.Resilience.CircuitBreakerTableName);
        }

        return new CircuitBreakerBoard(store, instance);
    }

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ICircuitBreakerStore CreateTableStore(StorageOptions storage, string tableName) =>
        new TableCircuitBreakerStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId), tableName);
}
