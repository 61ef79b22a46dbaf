using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Admin;
using Portico.Hosting;

namespace Portico.Auth;

/// <summary>Registers authentication: policies' compiler and long-lived sources, the stages, identity forwarding and the JWKS endpoint.</summary>
internal static class AuthServiceCollectionExtensions
{
    public static IServiceCollection AddPorticoAuth(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PorticoOptions>, AuthOptionsValidator>());
        services.TryAddSingleton<AuthMetrics>();
        services.TryAddSingleton<AuthSecrets>();
        services.TryAddSingleton<AuthSources>();
        services.TryAddSingleton<ApiKeyLookup>();
        services.TryAddSingleton<GatewayTokenIssuer>();
        services.TryAddSingleton<AuthCompiler>();
        services.TryAddSingleton<IdentityForwarding>();
        services.TryAddSingleton<AuthenticationStage>();
        services.TryAddSingleton<AuthorizationStage>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPorticoEndpoint, JwksEndpoint>());
        return services;
    }
}
