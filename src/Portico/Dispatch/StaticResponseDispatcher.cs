using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portico.Pipeline;

namespace Portico.Dispatch;

/// <summary>Answers with a fixed response whose bytes and headers were prepared when the snapshot was compiled.</summary>
internal sealed class StaticResponseDispatcher(int status, string contentType, KeyValuePair<string, StringValues>[] headers, byte[] body) : IRouteDispatcher
{
    /// <summary>The status code.</summary>
    public int Status => status;

    /// <summary>The media type of <see cref="Body"/>.</summary>
    public string ContentType => contentType;

    /// <summary>Extra response headers.</summary>
    public IReadOnlyList<KeyValuePair<string, StringValues>> Headers => headers;

    /// <summary>The body bytes (possibly empty).</summary>
    public ReadOnlyMemory<byte> Body => body;

    public Task DispatchAsync(GatewayContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }

        if (body.Length == 0)
        {
            return Task.CompletedTask;
        }

        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.HttpContext.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(body).AsTask();
    }
}
