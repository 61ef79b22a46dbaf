using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Portico.Analytics;

/// <summary>
/// A validated analytics query: a time range of whole minutes [<see cref="From"/>, <see cref="To"/>), a grouping and how many
/// groups to list. <see cref="Parse"/> reads the admin API's query string (and the CLI's options, which it sends as one);
/// what it refuses it names, for a 400 problem answer.
/// </summary>
internal sealed record AnalyticsQuery(DateTimeOffset From, DateTimeOffset To, AnalyticsGroupBy GroupBy, int Top)
{
    /// <summary>The most groups a query may list.</summary>
    public const int MaxTop = 100;

    /// <summary>The range when none is given.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);

    /// <summary>The query parameters <see cref="Parse"/> knows.</summary>
    public static readonly string[] Parameters = ["from", "to", "last", "groupBy", "top"];

    /// <summary>The first minute of the range, in minutes since 0001-01-01 UTC.</summary>
    public long FromMinute => AnalyticsRecorder.MinuteOf(From);

    /// <summary>The minute after the range.</summary>
    public long ToMinute => AnalyticsRecorder.MinuteOf(To);

    /// <summary>
    /// Reads <c>from</c> and <c>to</c> (RFC 3339 instants; <c>to</c> defaults to now), or <c>last</c> (a duration such as
    /// <c>15m</c>, <c>6h</c>, <c>7d</c>; default 1 hour), <c>groupBy</c> (<c>route</c>, <c>consumer</c>, <c>status</c>; default
    /// route) and <c>top</c> (1–100; default 10). The range is widened to whole minutes and may not exceed
    /// <paramref name="maxRange"/>. Returns the query, or null and the reason.
    /// </summary>
    public static AnalyticsQuery? Parse(IQueryCollection query, DateTimeOffset now, TimeSpan maxRange, out string? error)
    {
        error = null;
        foreach (var (name, values) in query)
        {
            if (!Parameters.Contains(name, StringComparer.Ordinal))
            {
                error = $"unknown parameter '{Shorten(name)}': use {string.Join(", ", Parameters)}";
                return null;
            }

            if (values.Count > 1)
            {
                error = $"'{name}' is given {values.Count} times";
                return null;
            }
        }

        var last = query["last"].ToString();
        var fromText = query["from"].ToString();
        var toText = query["to"].ToString();
        DateTimeOffset to = now, from;
        if (last.Length > 0 && (fromText.Length > 0 || toText.Length > 0))
        {
            error = "give either 'last' or 'from' (and 'to'), not both";
            return null;
        }

        if (toText.Length > 0 && !TryInstant(toText, out to))
        {
            error = $"'to' is not an RFC 3339 date and time with an offset, such as 2026-12-05T08:00:00Z: '{Shorten(toText)}'";
            return null;
        }

        if (fromText.Length > 0)
        {
            if (!TryInstant(fromText, out from))
            {
                error = $"'from' is not an RFC 3339 date and time with an offset, such as 2026-12-05T07:00:00Z: '{Shorten(fromText)}'";
                return null;
            }
        }
        else if (toText.Length > 0)
        {
            error = "'to' needs 'from'";
            return null;
        }
        else if (last.Length > 0)
        {
            if (!TryDuration(last, out var span))
            {
                error = $"'last' is not a duration such as 15m, 6h or 7d: '{Shorten(last)}'";
                return null;
            }

            from = now - span;
        }
        else
        {
            from = now - DefaultRange;
        }

        if (from >= to)
        {
            error = $"'from' ({from:O}) must be before 'to' ({to:O})";
            return null;
        }

        // Whole minutes: from rounds down, to rounds up.
        var fromMinute = AnalyticsRecorder.MinuteOf(from);
        var toMinute = (to.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute;
        if (to - from > maxRange)
        {
            // Judged before widening, so "last=7d" is the longest range when 7 days are allowed.
            error = $"the range covers {Describe(to - from)}; at most {Describe(maxRange)} can be queried at once";
            return null;
        }

        var groupBy = AnalyticsGroupBy.Route;
        var groupText = query["groupBy"].ToString();
        if (groupText.Length > 0 && !TryGroupBy(groupText, out groupBy))
        {
            error = $"'groupBy' must be route, consumer or status, not '{Shorten(groupText)}'";
            return null;
        }

        var top = 10;
        var topText = query["top"].ToString();
        if (topText.Length > 0 && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            error = $"'top' must be a whole number from 1 to {MaxTop}, not '{Shorten(topText)}'";
            return null;
        }

        return new AnalyticsQuery(
            new DateTimeOffset(fromMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero),
            new DateTimeOffset(toMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero),
            groupBy, top);
    }

    /// <summary>The API's name of a grouping.</summary>
    public static string Name(AnalyticsGroupBy groupBy) => groupBy switch
    {
        AnalyticsGroupBy.Consumer => "consumer",
        AnalyticsGroupBy.Status => "status",
        _ => "route",
    };

    private static bool TryGroupBy(string text, out AnalyticsGroupBy groupBy)
    {
        foreach (var candidate in Enum.GetValues<AnalyticsGroupBy>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                groupBy = candidate;
                return true;
            }
        }

        groupBy = default;
        return false;
    }

    private static bool TryInstant(string text, out DateTimeOffset instant) =>
        // An offset is required: a local time would mean different minutes on different machines.
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)
        && (text.EndsWith('Z') || text.EndsWith('z') || text.Length > 6 && text[^6] is '+' or '-');

    private static bool TryDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 100_000)
        {
            return false;
        }

        duration = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} days")
        : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} hours")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} minutes");

    // Echo at most a little of what the caller sent.
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
