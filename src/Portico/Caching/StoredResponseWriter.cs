using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Portico.Caching;

/// <summary>
/// Answers a request from a stored response: its status, fields and body, with <c>Age</c> (RFC 9111 §5.1) and
/// <c>Cache-Status</c>; a 304 when the client's own conditional matches it (§4.3.2); headers only for HEAD.
/// </summary>
internal static class StoredResponseWriter
{
    /// <summary>The fields a 304 carries from the stored response (RFC 9110 §15.4.5).</summary>
    private static readonly string[] NotModifiedFields =
        [HeaderNames.CacheControl, HeaderNames.ContentLocation, HeaderNames.Date, HeaderNames.ETag, HeaderNames.Expires, HeaderNames.Vary];

    public static Task WriteAsync(HttpContext http, CachedResponse entry, DateTimeOffset now, string cacheStatus)
    {
        var request = http.Request;
        var response = http.Response;
        var headers = response.Headers;
        if (MatchesClientConditional(request.Headers, entry, now))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            foreach (var name in NotModifiedFields)
            {
                if (entry.Header(name) is { Count: > 0 } value)
                {
                    headers[name] = value;
                }
            }

            Finish(headers, entry, now, cacheStatus);
            return Task.CompletedTask;
        }

        response.StatusCode = entry.Status;
        foreach (var (name, value) in entry.Headers)
        {
            headers[name] = value;
        }

        Finish(headers, entry, now, cacheStatus);
        if (entry.Status is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)
        {
            return Task.CompletedTask;
        }

        response.ContentLength = entry.Body.Length;
        return HttpMethods.IsHead(request.Method) || entry.Body.Length == 0
            ? Task.CompletedTask
            : response.Body.WriteAsync(entry.Body, http.RequestAborted).AsTask();
    }

    /// <summary>
    /// The client's precondition for a GET or HEAD answered from the cache (RFC 9110 §13.2.2): <c>If-None-Match</c>
    /// (weak comparison) when present, otherwise <c>If-Modified-Since</c> against <c>Last-Modified</c> (or <c>Date</c>).
    /// </summary>
    public static bool MatchesClientConditional(IHeaderDictionary request, CachedResponse entry, DateTimeOffset now)
    {
        var ifNoneMatch = request.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            if (entry.ETag is not { } etag)
            {
                return false;
            }

            foreach (var line in ifNoneMatch)
            {
                foreach (var tag in (line ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (tag == "*" || WeakEquals(tag, etag))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        var ifModifiedSince = request.IfModifiedSince;
        if (ifModifiedSince.Count != 1 || !Freshness.TryParseDate(ifModifiedSince[0], now, out var since))
        {
            return false;
        }

        var lastModified = entry.LastModifiedDate;
        if (lastModified is null && Freshness.TryParseDate(entry.Header(HeaderNames.Date).ToString(), now, out var date))
        {
            lastModified = date;
        }

        return lastModified is { } modified && modified <= since;
    }

    private static void Finish(IHeaderDictionary headers, CachedResponse entry, DateTimeOffset now, string cacheStatus)
    {
        headers.Age = entry.AgeSeconds(now).ToString(CultureInfo.InvariantCulture);
        headers[CacheStatusBuilder.HeaderName] = cacheStatus;
    }

    private static bool WeakEquals(string a, string b) => Opaque(a).SequenceEqual(Opaque(b));

    private static ReadOnlySpan<char> Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag.AsSpan(2) : tag.AsSpan();
}
