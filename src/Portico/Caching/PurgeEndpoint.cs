using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Caching;

/// <summary>
/// <c>POST {prefix}/admin/cache/purge</c> with one of <c>{"url": …}</c>, <c>{"prefix": …, "host": …}</c> or
/// <c>{"surrogateKey": …}</c>: removes the selected entries here at once and records the purge so every instance
/// applies it (docs/caching.md). Authenticated and audited by the admin surface.
/// </summary>
internal sealed class PurgeEndpoint(CachePurges purges) : IPorticoEndpoint
{
    /// <summary>Largest request body read.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    private static readonly string[] PostOnly = [HttpMethods.Post];

    public string Path => "/admin/cache/purge";

    public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

    public IReadOnlyList<string> Methods => PostOnly;

    public async Task HandleAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        if (!AdminRequestBody.IsJson(http.Request))
        {
            await ProblemResponse.WriteAsync(http, GatewayProblems.UnsupportedMediaType, AdminRequestBody.JsonOnly);
            return;
        }

        var (request, error) = await ReadAsync(http.Request, http.RequestAborted);
        if (request is null)
        {
            await ProblemResponse.WriteAsync(http, CacheProblems.InvalidPurge, error);
            return;
        }

        var by = context.Identity.ConsumerId ?? context.Identity.Subject;
        var (record, removed, shared) = await purges.PurgeAsync(request.Value.Kind, request.Value.Value, request.Value.Host, by, http.RequestAborted);
        if (purges.IsShared && !shared)
        {
            await ProblemResponse.WriteAsync(http, CacheProblems.PurgeNotShared,
                $"{removed} entries were removed on this instance; other instances still hold theirs. Try again when storage is reachable.");
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("id", record.Id);
            writer.WriteString("kind", Name(record.Kind));
            writer.WriteString("value", record.Value);
            writer.WriteString("host", record.Host);
            writer.WriteString("createdAt", record.CreatedAt);
            writer.WriteNumber("removedHere", removed);
            writer.WriteBoolean("shared", shared);
            writer.WriteEndObject();
        }

        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    public static string Name(PurgeKind kind) => kind switch
    {
        PurgeKind.Url => "url",
        PurgeKind.Prefix => "prefix",
        _ => "surrogateKey",
    };

    private static async Task<((PurgeKind Kind, string Value, string? Host)? Request, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (await AdminRequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken) is not { } body)
        {
            return (null, $"the body is over {MaxBodyBytes} bytes");
        }

        if (!JsonText.JsonUnicode.IsValid(body.Span))
        {
            return (null, "the body is not JSON: " + JsonText.JsonUnicode.Problem);
        }

        string? url = null, prefix = null, host = null, key = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "the body must be a JSON object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, $"'{property.Name}' must be a string");
                }

                var value = property.Value.GetString()!;
                switch (property.Name)
                {
                    case "url": url = value; break;
                    case "prefix": prefix = value; break;
                    case "host": host = value; break;
                    case "surrogateKey": key = value; break;
                    default: return (null, $"unknown field '{property.Name}': use 'url', 'prefix' (with an optional 'host') or 'surrogateKey'");
                }
            }
        }
        catch (JsonException ex)
        {
            return (null, "the body is not JSON: " + ex.Message);
        }

        if ((url is null ? 0 : 1) + (prefix is null ? 0 : 1) + (key is null ? 0 : 1) != 1)
        {
            return (null, "set exactly one of 'url', 'prefix' or 'surrogateKey'");
        }

        if (host is not null && prefix is null)
        {
            return (null, "'host' goes with 'prefix' only (a URL names its host)");
        }

        if (url is not null)
        {
            return NormalizeUrl(url) is { } normalized ? ((PurgeKind.Url, normalized, null), null) : (null, "'url' must be an absolute http(s) URL or a path starting with '/'");
        }

        if (prefix is not null)
        {
            if (!prefix.StartsWith('/') || prefix.Length > 2048)
            {
                return (null, "'prefix' must be a path starting with '/'");
            }

            return ((PurgeKind.Prefix, PathString.FromUriComponent(prefix).Value ?? "/", string.IsNullOrEmpty(host) ? null : host.ToLowerInvariant()), null);
        }

        return key!.Length is > 0 and <= 256 && !key.Any(char.IsWhiteSpace) && !key.Contains(',')
            ? ((PurgeKind.SurrogateKey, key, null), null)
            : (null, "'surrogateKey' must be 1 to 256 characters without spaces or commas");
    }

    /// <summary>A URL as the cache key writes it (<see cref="CacheKey.Primary(string, string, string, string?)"/>), or a path and query for any host.</summary>
    private static string? NormalizeUrl(string url)
    {
        if (url.Length > 4096)
        {
            return null;
        }

        if (url.StartsWith('/'))
        {
            var question = url.IndexOf('?');
            var path = question < 0 ? url : url[..question];
            return (PathString.FromUriComponent(path).Value ?? "/") + (question < 0 ? "" : url[question..]);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        return CacheKey.Primary(uri.Scheme, uri.Authority, PathString.FromUriComponent(uri).Value ?? "/", uri.Query);
    }
}
