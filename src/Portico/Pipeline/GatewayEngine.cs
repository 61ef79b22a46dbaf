using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Registry;
using Portico.Security;

namespace Portico.Pipeline;

/// <summary>
/// The gateway's single entry point. Both hosts (the Functions catch-all trigger and <c>portico serve</c>)
/// hand every request here and add nothing of their own.
/// </summary>
public sealed class GatewayEngine
{
    private readonly RegistryRuntime _runtime;
    private readonly ForwardedHeadersPolicy _forwardedHeaders;
    private readonly GatewayDelegate _pipeline;

    internal GatewayEngine(RegistryRuntime runtime, ForwardedHeadersPolicy forwardedHeaders, IServiceProvider services)
    {
        _runtime = runtime;
        _forwardedHeaders = forwardedHeaders;
        _pipeline = GatewayPipeline.Build(services);
    }

    /// <summary>Serves one request.</summary>
    public Task InvokeAsync(HttpContext httpContext)
    {
        var context = new GatewayContext(httpContext, _runtime.Current, _forwardedHeaders);
        var connection = httpContext.Request.Headers.Connection;
        if (connection.Count > 0)
        {
            // What Kestrel kept of the Connection header, and the lines as they arrived (RFC 9110 §7.6.1 needs every option).
            context.ConnectionHeader = StringValues.Concat(connection, ConnectionHeaderCapture.Take());
        }

        httpContext.Features.Set(context);
        return _pipeline(context);
    }
}
