using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Portico.Cors;

/// <summary>Recognises a CORS-preflight request (Fetch standard §4.8): <c>OPTIONS</c> with <c>Origin</c> and <c>Access-Control-Request-Method</c>.</summary>
internal static class CorsPreflight
{
    /// <summary>The method a preflight asks about; null when <paramref name="request"/> is not a preflight.</summary>
    public static string? RequestedMethod(HttpRequest request)
    {
        if (!HttpMethods.IsOptions(request.Method))
        {
            return null;
        }

        var headers = request.Headers;
        var method = headers[HeaderNames.AccessControlRequestMethod];
        return method.Count == 1 && !string.IsNullOrEmpty(method[0]) && headers.Origin.Count > 0 ? method[0] : null;
    }
}
