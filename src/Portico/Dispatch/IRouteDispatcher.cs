using Portico.Pipeline;

namespace Portico.Dispatch;

/// <summary>What answers a matched route (proxy, static response, later aggregation), built once per snapshot.</summary>
internal interface IRouteDispatcher
{
    Task DispatchAsync(GatewayContext context);
}
