using Microsoft.AspNetCore.Http;

namespace Portico.Admin;

/// <summary>Reads an admin request's body whole, refusing one over a bound before or while reading (an admin call never makes the gateway buffer without limit).</summary>
internal static class AdminRequestBody
{
    /// <summary>The detail of the 415 answer to an admin body that is not declared JSON.</summary>
    public const string JsonOnly = "send the body as application/json";

    /// <summary>
    /// Whether the request declares a JSON body (<c>application/json</c> or a <c>+json</c> type). Admin endpoints refuse
    /// anything else: a browser sends <c>text/plain</c>, form and multipart bodies cross-site without a CORS preflight,
    /// and it attaches a client certificate (an <c>mtls</c> admin policy) by itself, so only a JSON body proves the
    /// caller meant to call the admin API (the gateway answers no CORS preflight under the admin prefix).
    /// </summary>
    public static bool IsJson(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.MediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The body, or null when it is over <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > maxBytes ? null : buffer.AsMemory(0, length);
    }
}
