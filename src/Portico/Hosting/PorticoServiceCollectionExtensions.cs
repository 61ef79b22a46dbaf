using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portico.AddressLimits;
using Portico.Admin;
using Portico.Analytics;
using Portico.Aggregation;
using Portico.Auth;
using Portico.Caching;
using Portico.Discovery;
using Portico.Dispatch;
using Portico.Observability;
using Portico.LoadShedding;
using Portico.Pipeline;
using Portico.Proxy;
using Portico.RateLimiting;
using Portico.Registry;
using Portico.Resilience;
using Portico.Routing;
using Portico.Security;
using Portico.Storage.File;
using Portico.Storage.Tables;

namespace Portico.Hosting;

/// <summary>Registers the gateway engine; both hosts call this and then hand requests to <see cref="GatewayEngine"/>.</summary>
public static class PorticoServiceCollectionExtensions
{
    /// <summary>Adds Portico with options bound from <paramref name="configuration"/>'s <c>Portico</c> section.</summary>
    public static IServiceCollection AddPortico(this IServiceCollection services, IConfiguration configuration, Action<PorticoOptions>? configure = null)
    {
        services.AddOptions<PorticoOptions>().Bind(configuration.GetSection(PorticoOptions.SectionName));
        return services.AddPortico(configure);
    }

    /// <summary>Adds Portico with options set in code. An <see cref="IRegistryStore"/> registered before wins over the configured one.</summary>
    public static IServiceCollection AddPortico(this IServiceCollection services, Action<PorticoOptions>? configure = null)
    {
        var options = services.AddOptions<PorticoOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Each feature checks its own settings at start-up; AddPorticoAuth, AddPorticoAdmin and AddPorticoResilience add theirs.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, PorticoOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, RegistryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, SecurityOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, Waf.WafOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, AccessLogOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, UpstreamOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, LoadSheddingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, RateLimitingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, Discovery.Sources.DiscoveryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, Transcoding.TranscodingOptionsValidator>());
        options.ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddRouting();
        services.AddHttpForwarder();
        services.AddMetrics();

        services.TryAddSingleton<IRegistryStore>(CreateStore);
        services.TryAddSingleton<PorticoMetrics>();
        services.TryAddSingleton<AccessLog>();
        services.TryAddSingleton<UpstreamClient>();
        services.TryAddSingleton<GatewayHttpTransformer>();
        services.TryAddSingleton<ForwardingErrors>();
        services.TryAddSingleton<ForwardedHeadersPolicy>();
        services.TryAddSingleton<RateLimitCompiler>();
        services.TryAddSingleton<IRateCounterStore>(CreateRateCounterStore);
        services.TryAddSingleton<StorageHealth>();
        services.TryAddSingleton<InstanceCount>();
        services.TryAddSingleton<RateLimiter>();
        services.TryAddSingleton<RateLimitCharge>();
        services.AddHostedService<RateLimitJanitor>();
        services.AddPorticoResilience();
        services.TryAddSingleton<AggregateMetrics>();
        services.TryAddSingleton<AggregateRuntime>();
        services.TryAddSingleton<AggregateCompiler>();
        services.TryAddSingleton<WebSockets.WebSocketConnections>();
        services.TryAddSingleton<WebSockets.WebSocketCompiler>();
        services.TryAddSingleton(provider => new WebPubSub.WebPubSubCredential(provider.GetService<IConfiguration>()));
        services.TryAddSingleton<WebPubSub.WebPubSubMetrics>();
        services.TryAddSingleton<WebPubSub.WebPubSubCompiler>();
        services.TryAddSingleton<Discovery.DiscoveryTelemetry>();
        services.TryAddSingleton<Discovery.DiscoveryCompiler>();
        services.TryAddSingleton<Discovery.Sources.DiscoverySourceTelemetry>();
        services.TryAddSingleton<Discovery.Sources.DiscoverySources>();
        services.TryAddSingleton<Discovery.Sources.InstanceRegistrations>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Admin.IPorticoEndpoint, Discovery.BackendsEndpoint>());
        services.AddPorticoActiveHealth();
        services.TryAddSingleton<GraphQL.GraphQLMetrics>();
        services.TryAddSingleton<GraphQL.GraphQLRuntime>();
        services.TryAddSingleton<GraphQL.GraphQLCompiler>();
        services.TryAddSingleton<Transcoding.DescriptorSetBlobs>();
        services.TryAddSingleton<Transcoding.TranscodingRuntime>();
        services.TryAddSingleton<Transcoding.TranscodingCompiler>();
        services.TryAddSingleton<RegistryCompiler>();
        services.TryAddSingleton<RegistryRuntime>();
        services.AddHostedService<RegistryMonitor>();
        services.AddHostedService<Discovery.Sources.DiscoveryMonitor>(); // after RegistryMonitor: it starts the sources of the registry that one loaded
        services.AddPorticoAuth();
        services.AddPorticoAdmin();
        services.AddPorticoCaching();
        services.AddPorticoAddressLimits();
        services.AddPorticoAnalytics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, SecurityHeaders.SecurityHeadersOptionsValidator>());

        // Pipeline stages, in GatewayPipeline's order.
        services.TryAddSingleton<ObservabilityStage>();
        services.TryAddSingleton<SecurityHeaders.SecurityHeadersStage>();
        services.TryAddSingleton<PorticoEndpointsStage>();
        services.TryAddSingleton<RouteMatchStage>();
        services.TryAddSingleton<LoadSheddingStage>();
        services.TryAddSingleton<IpRestrictionStage>();
        services.TryAddSingleton<Cors.CorsStage>();
        services.TryAddSingleton<RequestLimitsStage>();
        services.TryAddSingleton<Waf.WafMetrics>();
        services.TryAddSingleton<Waf.WafStage>();
        services.TryAddSingleton<RateLimitStage>();
        services.TryAddSingleton<Validation.ValidationMetrics>();
        services.TryAddSingleton<Validation.RequestValidationStage>();
        services.TryAddSingleton<DispatchStage>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, LivenessEndpoint>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, ReadinessEndpoint>());

        services.TryAddSingleton(sp => new GatewayEngine(
            sp.GetRequiredService<RegistryRuntime>(),
            sp.GetRequiredService<ForwardedHeadersPolicy>(),
            sp));
        return services;
    }

    /// <summary>
    /// Loads the registry now, before the host starts serving, so a bad configuration stops the process with
    /// every error listed. Throws <see cref="RegistryLoadException"/>.
    /// </summary>
    public static Task InitializePorticoAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<RegistryRuntime>().InitializeAsync(cancellationToken);

    /// <summary>The error when neither a file nor Table storage is configured.</summary>
    public const string NoRegistryMessage =
        "No registry configured: set Portico:Registry:File (a declarative file) or Portico:Storage:TableServiceUri / Portico:Storage:ConnectionString (Table storage).";

    private static IRegistryStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value;
        if (options.Registry.File is { } file)
        {
            return new FileRegistryStore(file);
        }

        var storage = options.Storage;
        if (!storage.IsConfigured)
        {
            throw new OptionsValidationException(PorticoOptions.SectionName, typeof(PorticoOptions), [NoRegistryMessage]);
        }

        return CreateTableStore(storage, options.Registry.TableName);
    }

    // Its own method, never inlined: compiling a method loads the assemblies of the types it names, and the Azure SDK
    // must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IRegistryStore CreateTableStore(StorageOptions storage, string tableName) =>
        new TableRegistryStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId), tableName);

    /// <summary>The shared rate counters in Table storage when it is configured; otherwise a store that says it is not.</summary>
    private static IRateCounterStore CreateRateCounterStore(IServiceProvider services) =>
        services.GetRequiredService<IOptions<PorticoOptions>>().Value.Storage.IsConfigured
            ? TableRateCounterStore.Create(services)
            : UnconfiguredRateCounterStore.Instance;
}
