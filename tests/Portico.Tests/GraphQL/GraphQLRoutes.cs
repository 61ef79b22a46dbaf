using Microsoft.Extensions.DependencyInjection;
using Portico.GraphQL;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.GraphQL;

/// <summary>Reads the compiled GraphQL route of a running gateway.</summary>
internal static class GraphQLRoutes
{
    public static GraphQLDispatcher Dispatcher(GatewayHost host, string routeId = "graph")
    {
        var snapshot = host.Services.GetRequiredService<RegistryRuntime>().Current;
        return (GraphQLDispatcher)snapshot.Routes.Routes.Single(r => r.Id == routeId).Dispatcher;
    }
}
