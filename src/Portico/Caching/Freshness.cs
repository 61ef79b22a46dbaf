using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Portico.Caching;

/// <summary>
/// The arithmetic of RFC 9111 §4.2: freshness lifetime (§4.2.1), heuristic freshness (§4.2.2) and age (§4.2.3),
/// plus the field parsing it rests on (<c>Age</c>, <c>Expires</c>, <c>Date</c>).
/// </summary>
internal static class Freshness
{
    /// <summary>The part of the time since <c>Last-Modified</c> a heuristic lifetime takes (§4.2.2 suggests 10%).</summary>
    public const double HeuristicFraction = 0.1;

    /// <summary>Statuses that are heuristically cacheable (RFC 9110 §15.1).</summary>
    public static bool IsHeuristicallyCacheable(int status) => status is 200 or 203 or 204 or 206 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// Statuses whose caching requirements this cache implements, for <c>must-understand</c> (§5.2.2.3): every final
    /// status of RFC 9110 it may store (206 is never stored).
    /// </summary>
    public static bool IsUnderstood(int status) => status is 200 or 203 or 204 or 300 or 301 or 302 or 303 or 307 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// The freshness lifetime of a response (§4.2.1): <c>s-maxage</c>, else <c>max-age</c>, else <c>Expires</c> minus
    /// <c>Date</c> (an invalid or repeated <c>Expires</c> is in the past), else the route's default TTL or the
    /// heuristic, for statuses that allow it; null when nothing gives the response a lifetime. The route's cap applies
    /// last. <paramref name="responseTime"/> (the gateway's clock) places a two-digit year in <c>Expires</c> or
    /// <c>Last-Modified</c>.
    /// </summary>
    public static TimeSpan? Lifetime(CacheControl directives, IHeaderDictionary headers, int status, DateTimeOffset dateValue, DateTimeOffset responseTime, CachePolicy policy, TimeSpan maxHeuristic, out bool heuristic)
    {
        heuristic = false;
        TimeSpan? lifetime = null;
        if (directives.SharedMaxAge is { } shared)
        {
            lifetime = TimeSpan.FromSeconds(shared);
        }
        else if (directives.MaxAge is { } maxAge)
        {
            lifetime = TimeSpan.FromSeconds(maxAge);
        }
        else if (headers.TryGetValue(HeaderNames.Expires, out var expires))
        {
            lifetime = expires.Count == 1 && TryParseDate(expires[0], responseTime, out var at)
                ? Max(at - dateValue, TimeSpan.Zero)
                : TimeSpan.Zero; // §5.3: an invalid date, "0" included, is in the past
        }
        else if (IsHeuristicallyCacheable(status) || directives.Public)
        {
            if (policy.DefaultTtl is { } configured)
            {
                lifetime = configured;
            }
            else if (policy.Heuristic && headers.LastModified.Count == 1 && TryParseDate(headers.LastModified[0], responseTime, out var lastModified) && lastModified < dateValue)
            {
                heuristic = true;
                var computed = TimeSpan.FromTicks((long)((dateValue - lastModified).Ticks * HeuristicFraction));
                lifetime = computed < maxHeuristic ? computed : maxHeuristic;
            }
        }

        if (lifetime is { } value && policy.MaxTtl is { } cap && value > cap)
        {
            lifetime = cap;
        }

        return lifetime;
    }

    /// <summary>corrected_initial_age (§4.2.3).</summary>
    public static TimeSpan CorrectedInitialAge(long ageValue, DateTimeOffset dateValue, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var apparentAge = Max(responseTime - dateValue, TimeSpan.Zero);
        var responseDelay = Max(responseTime - requestTime, TimeSpan.Zero);
        var correctedAgeValue = TimeSpan.FromSeconds(ageValue) + responseDelay;
        return Max(apparentAge, correctedAgeValue);
    }

    /// <summary>
    /// The <c>Age</c> value (§5.1): the first member of the first line, as delta-seconds (a parameter after ';' is
    /// ignored); 0 when it is absent or not a non-negative integer, which a cache ignores.
    /// </summary>
    public static long ParseAge(StringValues age)
    {
        if (age.Count == 0 || age[0] is not { } first)
        {
            return 0;
        }

        var member = first.AsSpan();
        var comma = member.IndexOf(',');
        if (comma >= 0)
        {
            member = member[..comma];
        }

        var semicolon = member.IndexOf(';');
        if (semicolon >= 0)
        {
            member = member[..semicolon];
        }

        member = member.Trim();
        if (member.IsEmpty)
        {
            return 0;
        }

        long value = 0;
        foreach (var c in member)
        {
            if (!char.IsAsciiDigit(c))
            {
                return 0;
            }

            value = Math.Min(value * 10 + (c - '0'), CacheControl.MaxDeltaSeconds);
        }

        return value;
    }

    /// <summary>
    /// An HTTP-date (RFC 9110 §5.6.7), including the obsolete formats a recipient must accept; strictly (<see cref="HttpDate"/>).
    /// <paramref name="now"/>, from the gateway's clock, places an RFC 850 two-digit year in its century.
    /// </summary>
    public static bool TryParseDate(string? value, DateTimeOffset now, out DateTimeOffset date) => HttpDate.TryParse(value, now, out date);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
