using System.Globalization;

namespace Portico.Configuration;

/// <summary>
/// Parses the duration strings of the registry: a whole number with a unit (<c>250ms</c>, <c>30s</c>,
/// <c>5m</c>, <c>1h</c>, <c>1d</c>) or a .NET time span (<c>00:00:30</c>).
/// </summary>
public static class Duration
{
    /// <summary>
    /// The longest duration of any registry field (each field has its own, usually much smaller, bound). Beyond it a
    /// time plus the duration could overflow the calendar or a timer while serving a request (issue 22).
    /// </summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);

    /// <summary>Parses <paramref name="text"/>; false when it is not a duration or is longer than <see cref="Maximum"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        if (!TryParseAny(text, out value) || value > Maximum || value < -Maximum)
        {
            value = default;
            return false;
        }

        return true;
    }

    private static bool TryParseAny(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s.Contains(':'))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value);
        }

        int unitStart = 0;
        while (unitStart < s.Length && (char.IsAsciiDigit(s[unitStart]) || s[unitStart] == '-'))
        {
            unitStart++;
        }

        if (unitStart == 0 || !long.TryParse(s.AsSpan(0, unitStart), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var unit = s.AsSpan(unitStart);
        try
        {
            value = unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => TimeSpan.MinValue,
            };
        }
        catch (OverflowException)
        {
            return false;
        }

        return value != TimeSpan.MinValue;
    }

    /// <summary>Formats a duration the way the registry writes it (the largest exact unit).</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        return ms switch
        {
            _ when ms % 86_400_000 == 0 && ms != 0 => $"{ms / 86_400_000}d",
            _ when ms % 3_600_000 == 0 && ms != 0 => $"{ms / 3_600_000}h",
            _ when ms % 60_000 == 0 && ms != 0 => $"{ms / 60_000}m",
            _ when ms % 1000 == 0 => $"{ms / 1000}s",
            _ => $"{ms}ms",
        };
    }
}
