using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Portico.Admin;

/// <summary>Sends a JSON document an admin endpoint composed (nothing for <c>HEAD</c>).</summary>
internal static class AdminJson
{
    /// <summary>Answers 200 with <paramref name="body"/> as <c>application/json</c>.</summary>
    public static Task WriteAsync(HttpContext http, ArrayBufferWriter<byte> body)
    {
        var response = http.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.WrittenCount;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body.WrittenMemory).AsTask();
    }
}
