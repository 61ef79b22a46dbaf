using Portico.Pipeline;

namespace Portico.Dispatch;

/// <summary>The last stage: hands the request to the matched route's handler.</summary>
internal sealed class DispatchStage : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next) => context.Route!.Dispatcher.DispatchAsync(context);
}
