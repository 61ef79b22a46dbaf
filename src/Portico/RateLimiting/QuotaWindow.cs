namespace Portico.RateLimiting;

/// <summary>
/// Calendar windows of quotas, always in UTC so that every instance (and every time zone) agrees on where a
/// day or a month starts: an hour starts at minute 0, a day at 00:00, a month at 00:00 on its first day.
/// </summary>
internal static class QuotaWindow
{
    /// <summary>How many periods exist; per-period state is kept in arrays of this length.</summary>
    public const int PeriodCount = 3;

    public static readonly QuotaPeriod[] AllPeriods = [QuotaPeriod.Hour, QuotaPeriod.Day, QuotaPeriod.Month];

    /// <summary>The start (UTC ticks) of the window of <paramref name="period"/> containing <paramref name="utcTicks"/>.</summary>
    public static long Start(QuotaPeriod period, long utcTicks) => period switch
    {
        QuotaPeriod.Hour => utcTicks - (utcTicks % TimeSpan.TicksPerHour),
        QuotaPeriod.Day => utcTicks - (utcTicks % TimeSpan.TicksPerDay),
        _ => MonthStart(utcTicks),
    };

    /// <summary>The end (exclusive, UTC ticks) of the window starting at <paramref name="start"/>.</summary>
    public static long End(QuotaPeriod period, long start) => period switch
    {
        QuotaPeriod.Hour => start + TimeSpan.TicksPerHour,
        QuotaPeriod.Day => start + TimeSpan.TicksPerDay,
        _ => new DateTime(start, DateTimeKind.Utc).AddMonths(1).Ticks,
    };

    /// <summary>The registry's name of a period.</summary>
    public static string Name(QuotaPeriod period) => period switch
    {
        QuotaPeriod.Hour => "hour",
        QuotaPeriod.Day => "day",
        _ => "month",
    };

    public static bool TryParse(string? text, out QuotaPeriod period)
    {
        switch (text)
        {
            case "hour":
                period = QuotaPeriod.Hour;
                return true;
            case "day":
                period = QuotaPeriod.Day;
                return true;
            case "month":
                period = QuotaPeriod.Month;
                return true;
            default:
                period = default;
                return false;
        }
    }

    private static long MonthStart(long utcTicks)
    {
        var date = new DateTime(utcTicks, DateTimeKind.Utc);
        return new DateTime(date.Year, date.Month, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    }
}
