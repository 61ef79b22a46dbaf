using System.Globalization;
using System.Text.RegularExpressions;

namespace Portico.Caching;

/// <summary>
/// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
/// Anything else is invalid, and a cache reads an invalid <c>Expires</c> as a time in the past (RFC 9111 §5.3), so
/// this parser is strict where lenient date parsers are not: no other zone than GMT, single spaces, four-digit
/// years in IMF-fixdate, two-digit hours. Letter case is not significant.
/// </summary>
internal static partial class HttpDate
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>
    /// Parses <paramref name="value"/>; <paramref name="clock"/> (the system clock by default) places an RFC 850
    /// two-digit year in its century.
    /// </summary>
    public static bool TryParse(string? value, out DateTimeOffset date, TimeProvider? clock = null) => TryParse(value, clock, null, out date);

    /// <summary>Parses <paramref name="value"/>, placing an RFC 850 two-digit year in the century of <paramref name="now"/>.</summary>
    public static bool TryParse(string? value, DateTimeOffset now, out DateTimeOffset date) => TryParse(value, null, now, out date);

    private static bool TryParse(string? value, TimeProvider? clock, DateTimeOffset? now, out DateTimeOffset date)
    {
        date = default;
        if (value is null || value.Length > 64)
        {
            return false;
        }

        Match match;
        int year;
        if ((match = ImfFixdate().Match(value)).Success || (match = Asctime().Match(value)).Success)
        {
            year = int.Parse(match.Groups["year"].ValueSpan, CultureInfo.InvariantCulture);
        }
        else if ((match = Rfc850().Match(value)).Success)
        {
            // A two-digit year more than 50 years ahead is the most recent past year with those digits (§5.6.7).
            var twoDigits = int.Parse(match.Groups["year"].ValueSpan, CultureInfo.InvariantCulture);
            var thisYear = (now ?? (clock ?? TimeProvider.System).GetUtcNow()).Year;
            year = thisYear / 100 * 100 + twoDigits;
            if (year > thisYear + 50)
            {
                year -= 100;
            }
        }
        else
        {
            return false;
        }

        var month = Array.IndexOf(Months, match.Groups["month"].Value.ToLowerInvariant()) + 1;
        var day = int.Parse(match.Groups["day"].ValueSpan.Trim(), CultureInfo.InvariantCulture);
        var hour = int.Parse(match.Groups["hour"].ValueSpan, CultureInfo.InvariantCulture);
        var minute = int.Parse(match.Groups["minute"].ValueSpan, CultureInfo.InvariantCulture);
        var second = int.Parse(match.Groups["second"].ValueSpan, CultureInfo.InvariantCulture);
        if (month < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        // A leap second is read as the last second of its minute.
        date = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), TimeSpan.Zero);
        return true;
    }

    [GeneratedRegex(@"^(mon|tue|wed|thu|fri|sat|sun), (?<day>\d{2}) (?<month>[a-z]{3}) (?<year>\d{4}) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}) gmt$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ImfFixdate();

    [GeneratedRegex(@"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday), (?<day>\d{2})-(?<month>[a-z]{3})-(?<year>\d{2}) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}) gmt$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Rfc850();

    [GeneratedRegex(@"^(mon|tue|wed|thu|fri|sat|sun) (?<month>[a-z]{3}) (?<day>[ \d]\d) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}) (?<year>\d{4})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Asctime();
}
