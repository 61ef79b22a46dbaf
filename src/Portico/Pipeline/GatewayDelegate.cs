namespace Portico.Pipeline;

/// <summary>The rest of the pipeline after a stage.</summary>
/// <param name="context">The request.</param>
public delegate Task GatewayDelegate(GatewayContext context);
