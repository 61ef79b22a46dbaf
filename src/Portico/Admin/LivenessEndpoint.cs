using Portico.Pipeline;

namespace Portico.Admin;

/// <summary><c>/health/live</c>: the process answers. Never touches storage.</summary>
internal sealed class LivenessEndpoint : IPorticoEndpoint
{
    private static readonly byte[] Body = "{\"status\":\"live\"}\n"u8.ToArray();

    public string Path => "/health/live";

    public Task HandleAsync(GatewayContext context)
    {
        var response = context.HttpContext.Response;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        return response.Body.WriteAsync(Body).AsTask();
    }
}
