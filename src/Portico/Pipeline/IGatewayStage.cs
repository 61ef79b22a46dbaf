namespace Portico.Pipeline;

/// <summary>One step of the gateway pipeline. A stage either answers the request or calls <c>next</c>.</summary>
internal interface IGatewayStage
{
    Task InvokeAsync(GatewayContext context, GatewayDelegate next);
}
