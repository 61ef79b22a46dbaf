using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Admin;
using Portico.Hosting;
using Portico.Resilience.Fallbacks;
using Portico.Storage.Blobs;
using Portico.Storage.Tables;

namespace Portico.Caching;

/// <summary>
/// Registers the response cache: its settings check, compiler, in-process store, shared store and purge store (when
/// storage is configured), the stage, the stale-if-error source and the purge endpoint.
/// </summary>
internal static class CachingServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoCaching(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, CachingOptionsValidator>());
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<CacheMetrics>();
            var cache = new ResponseCache(sp.GetRequiredService<IOptions<PorticoOptions>>().Value.Caching.MaxMemoryBytes, metrics.Evicted);
            metrics.Observe(cache);
            return cache;
        });
        services.TryAddSingleton<CacheCompiler>();
        services.TryAddSingleton<RequestCoalescer>();
        services.TryAddSingleton<PurgeLedger>();
        services.TryAddSingleton(sp => new SharedCacheTier(
            CreateSharedStore(sp.GetRequiredService<IOptions<PorticoOptions>>().Value),
            sp.GetRequiredService<PurgeLedger>(), sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PorticoOptions>>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SharedCacheTier>>()));
        services.TryAddSingleton(sp => new CachePurges(
            sp.GetRequiredService<ResponseCache>(), sp.GetRequiredService<PurgeLedger>(), CreatePurgeStore(sp.GetRequiredService<IOptions<PorticoOptions>>().Value),
            sp.GetRequiredService<CacheMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PorticoOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<CachePurges>>()));
        services.AddHostedService<PurgeSync>();
        services.TryAddSingleton<BackgroundRevalidator>();
        services.TryAddSingleton<CacheStage>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStaleResponseSource, StaleIfErrorSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, PurgeEndpoint>());
        return services;
    }

    /// <summary>The shared store (L2) when <c>Portico:Caching:Blob</c> is set; a registered <see cref="ISharedResponseStore"/> is not looked for.</summary>
    private static ISharedResponseStore? CreateSharedStore(PorticoOptions options)
    {
        var blob = options.Caching.Blob;
        return blob.IsConfigured ? CreateBlobStore(blob) : null;
    }

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ISharedResponseStore CreateBlobStore(BlobCacheOptions blob) =>
        new BlobResponseStore(BlobStorage.CreateServiceClient(blob.Target!, blob.ClientId, blob.Timeout), blob.Container);

    /// <summary>The purge store when Table storage (<c>Portico:Storage</c>) is configured.</summary>
    private static IPurgeStore? CreatePurgeStore(PorticoOptions options)
    {
        var storage = options.Storage;
        return storage.IsConfigured ? CreateTablePurgeStore(storage, options.Caching.Purge.TableName) : null;
    }

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IPurgeStore CreateTablePurgeStore(StorageOptions storage, string tableName) =>
        new TablePurgeStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId, TimeSpan.FromSeconds(5)), tableName);
}
