using System.Text;
using Microsoft.AspNetCore.Http;

namespace Portico.Tests.Aggregation;

/// <summary>Request handlers for test backends that answer JSON.</summary>
public static class JsonHandlers
{
    /// <summary>Answers <paramref name="json"/> with <paramref name="status"/>.</summary>
    public static RequestDelegate Fixed(string json, int status = 200, string contentType = "application/json") => context => WriteAsync(context, json, status, contentType);

    /// <summary>Answers what <paramref name="json"/> makes of the request.</summary>
    public static RequestDelegate From(Func<HttpContext, string> json) => context => WriteAsync(context, json(context));

    public static Task WriteAsync(HttpContext context, string json, int status = 200, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    /// <summary>A handler that signals its arrival and holds the request until the gateway gives up on it.</summary>
    public static RequestDelegate Hanging(TaskCompletionSource arrived) => async context =>
    {
        arrived.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    };
}
