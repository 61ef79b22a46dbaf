using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Resilience.Bulkheads;
using Portico.Resilience;

namespace Portico.Tests.Resilience;

/// <summary>Reaches a running gateway's live resilience state.</summary>
internal static class ResilienceServiceProviderExtensions
{
    public static BackendResilience Backend(this IServiceProvider services, string backendId) =>
        services.GetRequiredService<RegistryRuntime>().Current.Backends[backendId].Resilience!;

    public static Bulkhead GetBulkhead(this IServiceProvider services, string backendId) => services.Backend(backendId).Bulkhead;
}
