using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Portico.Configuration;

namespace Portico.Dispatch;

/// <summary>
/// Compiles a fixed response (a route's <c>static</c>, or a resilience <c>fallback</c>'s): <c>status</c>, <c>json</c> or
/// <c>body</c>, <c>headers</c> and <c>contentType</c> (docs/configuration.md). Errors name the field under <c>static</c>.
/// </summary>
internal static class StaticResponseCompiler
{
    /// <summary>The dispatcher answering with <paramref name="definition"/>; null after reporting why it cannot.</summary>
    public static StaticResponseDispatcher? Compile(StaticResponseDefinition definition, Action<string, string> error)
    {
        var status = definition.Status ?? 200;
        if (status is < 200 or > 599)
        {
            error("static.status", "must be between 200 and 599");
            return null;
        }

        if (definition.Body is not null && definition.Json is not null)
        {
            error("static", "set 'body' or 'json', not both");
            return null;
        }

        // A JSON body ends with a newline, like every JSON answer Portico composes (curl's output then ends its line).
        byte[] body = definition.Json is { } json
            ? [.. JsonSerializer.SerializeToUtf8Bytes(json), (byte)'\n']
            : Encoding.UTF8.GetBytes(definition.Body ?? "");
        if (body.Length > 0 && (status is 204 or 304 || status < 200))
        {
            error("static.body", $"a {status} response has no body");
            return null;
        }

        var headers = new List<KeyValuePair<string, StringValues>>();
        foreach (var (name, value) in definition.Headers ?? new Dictionary<string, string>())
        {
            if (!HttpToken.IsValid(name))
            {
                error("static.headers", $"'{name}' is not a valid header name");
            }
            else if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                     || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
                     || name.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                error("static.headers", $"'{name}' is set by Portico (use 'contentType' for the media type)");
            }
            else if (HttpFieldValue.Problem(value) is { } valueProblem)
            {
                error("static.headers", $"the value of '{name}' {valueProblem}");
            }
            else
            {
                headers.Add(new(name, value));
            }
        }

        var contentType = definition.ContentType ?? (definition.Json is not null ? "application/json" : "text/plain; charset=utf-8");
        if (!MediaTypeHeaderValue.TryParse(contentType, out _) || !HttpFieldValue.IsValid(contentType))
        {
            error("static.contentType", $"'{contentType}' is not a media type");
            return null;
        }

        return new StaticResponseDispatcher(status, contentType, [.. headers], body);
    }
}
