using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Portico.Caching;

/// <summary>
/// Writes the gateway's member of <c>Cache-Status</c> (RFC 9211): appended after any member from caches nearer the
/// origin, so the list reads from the origin towards the client (§2).
/// </summary>
internal static class CacheStatusBuilder
{
    public const string HeaderName = "Cache-Status";

    /// <summary>A hit: <c>Name; hit; ttl=N</c> (N is negative when served stale), plus <c>collapsed</c> or a detail.</summary>
    public static string Hit(string name, long ttl, bool collapsed = false, string? detail = null)
    {
        var builder = new StringBuilder(name.Length + 32).Append(name).Append("; hit; ttl=").Append(ttl.ToString(CultureInfo.InvariantCulture));
        if (collapsed)
        {
            builder.Append("; collapsed");
        }

        return Detail(builder, detail);
    }

    /// <summary>A forwarded request: <c>Name; fwd=reason[; fwd-status=N][; stored][; collapsed][; detail=…]</c>.</summary>
    public static string Forward(string name, string reason, int? status, bool stored, string? detail = null, long? ttl = null)
    {
        var builder = new StringBuilder(name.Length + 48).Append(name).Append("; fwd=").Append(reason);
        if (status is { } s)
        {
            builder.Append("; fwd-status=").Append(s.ToString(CultureInfo.InvariantCulture));
        }

        if (ttl is { } t)
        {
            builder.Append("; ttl=").Append(t.ToString(CultureInfo.InvariantCulture));
        }

        if (stored)
        {
            builder.Append("; stored");
        }

        return Detail(builder, detail);
    }

    /// <summary>Appends <paramref name="member"/> to the response's <c>Cache-Status</c>.</summary>
    public static void Append(IHeaderDictionary headers, string member)
    {
        var existing = headers[HeaderName];
        headers[HeaderName] = existing.Count == 0 ? member : string.Join(", ", [.. existing, member]);
    }

    private static string Detail(StringBuilder builder, string? detail) =>
        (detail is null ? builder : builder.Append("; detail=").Append(detail)).ToString();
}
