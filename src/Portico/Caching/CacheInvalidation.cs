namespace Portico.Caching;

/// <summary>
/// The primary keys under which a URL's responses may be stored in one registry snapshot: one per distinct
/// <c>keyQuery</c> of its caching routes (the whole query for a route without one). An unsafe request invalidates
/// every one of them for its target URI and its same-origin <c>Location</c> and <c>Content-Location</c> (RFC 9111 §4.4).
/// </summary>
internal sealed class CacheInvalidation
{
    /// <summary>Distinct query filters; null stands for the whole query as sent.</summary>
    private readonly string[]?[] _filters;

    public CacheInvalidation(IEnumerable<string[]?> filters)
    {
        var distinct = new List<string[]?>();
        foreach (var filter in filters)
        {
            if (!distinct.Exists(known => known is null ? filter is null : filter is not null && known.AsSpan().SequenceEqual(filter)))
            {
                distinct.Add(filter);
            }
        }

        _filters = [.. distinct];
    }

    /// <summary>The primary keys of <c>scheme://host/path?query</c> under every filter, without repeats.</summary>
    public IEnumerable<string> PrimaryKeys(string scheme, string host, string path, string? query)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in _filters)
        {
            var key = CacheKey.Primary(scheme, host, path, filter is not null && !string.IsNullOrEmpty(query) ? CacheKey.FilterQuery(query, filter) : query);
            if (seen.Add(key))
            {
                yield return key;
            }
        }
    }
}
