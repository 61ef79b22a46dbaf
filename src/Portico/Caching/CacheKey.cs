using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>
/// The cache key (docs/caching.md). Primary: <c>scheme://host/path?query</c> with the host lower-cased and the query as
/// sent, or only the route's <c>keyQuery</c> parameters in request order. Secondary, compared per stored variant: the
/// route, the consumer (when the route varies by consumer), the route's <c>keyHeaders</c> and the response's <c>Vary</c>
/// fields, each header normalised by <see cref="Normalize"/>. The method is not in the key: GET fills entries, GET
/// and HEAD read them.
/// </summary>
internal static class CacheKey
{
    /// <summary>The primary key of <paramref name="request"/> under <paramref name="policy"/>.</summary>
    public static string Primary(HttpRequest request, CachePolicy policy)
    {
        var query = request.QueryString.Value;
        if (policy.KeyQuery is { } names && !string.IsNullOrEmpty(query))
        {
            query = FilterQuery(query, names);
        }

        return Primary(request.Scheme, request.Host.Value ?? "", (request.PathBase + request.Path).Value ?? "/", query);
    }

    /// <summary>The primary key of a URL's parts; the same normalisation as a request's.</summary>
    public static string Primary(string scheme, string host, string path, string? query) =>
        string.Concat(scheme.ToLowerInvariant(), "://", host.ToLowerInvariant(), path.Length == 0 ? "/" : path, string.IsNullOrEmpty(query) || query == "?" ? "" : query);

    /// <summary>Keeps the parameters named in <paramref name="names"/> (by their decoded name), in request order.</summary>
    public static string FilterQuery(string query, string[] names)
    {
        var builder = new StringBuilder(query.Length);
        foreach (var part in query.TrimStart('?').Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? part : part[..equals]).Replace('+', ' '));
            if (Array.IndexOf(names, name) >= 0)
            {
                builder.Append(builder.Length == 0 ? '?' : '&').Append(part);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// A header's value as the key compares it (RFC 9111 §4.1): every line joined, each comma-separated member trimmed,
    /// joined again with ", "; null when the request lacks the field.
    /// </summary>
    public static string? Normalize(StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var joined = values.Count == 1 ? values[0] ?? "" : string.Join(',', values.ToArray());
        if (!joined.Contains(',') && joined.Trim().Length == joined.Length)
        {
            return joined;
        }

        var members = joined.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return string.Join(", ", members);
    }

    /// <summary>The request's values of <paramref name="names"/>, normalised.</summary>
    public static string?[] Values(IHeaderDictionary headers, string[] names)
    {
        if (names.Length == 0)
        {
            return [];
        }

        var values = new string?[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            values[i] = Normalize(headers[names[i]]);
        }

        return values;
    }

    /// <summary>Whether <paramref name="entry"/> may answer a request with these secondary-key parts (§4.1).</summary>
    public static bool Matches(CachedResponse entry, string routeId, string? consumer, string?[] keyHeaderValues, IHeaderDictionary requestHeaders)
    {
        if (!string.Equals(entry.RouteId, routeId, StringComparison.Ordinal)
            || !string.Equals(entry.Consumer, consumer, StringComparison.Ordinal)
            || !entry.KeyHeaderValues.AsSpan().SequenceEqual(keyHeaderValues))
        {
            return false;
        }

        for (int i = 0; i < entry.VaryNames.Length; i++)
        {
            if (!string.Equals(entry.VaryValues[i], Normalize(requestHeaders[entry.VaryNames[i]]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
