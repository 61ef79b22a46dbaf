using System.Globalization;
using System.Text;

namespace Portico.Transcoding;

/// <summary>
/// The well-known types that have their own JSON form in the proto3 JSON mapping
/// (https://protobuf.dev/programming-guides/json/), and the text forms of Timestamp, Duration and FieldMask.
/// </summary>
internal static class WellKnownTypes
{
    public const string Any = "google.protobuf.Any";
    public const string Timestamp = "google.protobuf.Timestamp";
    public const string Duration = "google.protobuf.Duration";
    public const string Struct = "google.protobuf.Struct";
    public const string Value = "google.protobuf.Value";
    public const string ListValue = "google.protobuf.ListValue";
    public const string FieldMask = "google.protobuf.FieldMask";
    public const string Empty = "google.protobuf.Empty";
    public const string NullValue = "google.protobuf.NullValue";

    /// <summary>Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range a Timestamp may hold.</summary>
    public const long MinTimestampSeconds = -62135596800L;
    public const long MaxTimestampSeconds = 253402300799L;

    /// <summary>The largest Duration: 10,000 years in seconds.</summary>
    public const long MaxDurationSeconds = 315576000000L;

    /// <summary>Whether <paramref name="fullName"/> is one of the nine wrapper types, whose JSON is the wrapped value.</summary>
    public static bool IsWrapper(string fullName) => fullName switch
    {
        "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" or "google.protobuf.Int64Value" or "google.protobuf.UInt64Value"
            or "google.protobuf.Int32Value" or "google.protobuf.UInt32Value" or "google.protobuf.BoolValue"
            or "google.protobuf.StringValue" or "google.protobuf.BytesValue" => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="fullName"/> is written in JSON other than as an object of its fields.</summary>
    public static bool IsSpecial(string fullName) =>
        fullName is Any or Timestamp or Duration or Struct or Value or ListValue or FieldMask or Empty || IsWrapper(fullName);

    /// <summary>RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as the mapping's reference formatters write it.</summary>
    public static string? FormatTimestamp(long seconds, int nanos)
    {
        if (seconds is < MinTimestampSeconds or > MaxTimestampSeconds || nanos is < 0 or > 999_999_999)
        {
            return null;
        }

        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture) + Fraction(nanos) + "Z";
    }

    /// <summary>Reads an RFC 3339 timestamp (any offset, up to 9 fractional digits); false when it is not one or out of range.</summary>
    public static bool TryParseTimestamp(string text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        // yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!DateTime.TryParseExact(text.AsSpan(0, 19), "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        var rest = text.AsSpan(19);
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1 || digits > 10 || !TryParseFraction(rest[1..digits], out nanos))
            {
                return false;
            }

            rest = rest[digits..];
        }

        var offset = TimeSpan.Zero;
        if (rest is "Z" or "z")
        {
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
            && int.TryParse(rest.Slice(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            && int.TryParse(rest.Slice(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && hours < 24 && minutes < 60)
        {
            offset = new TimeSpan(hours, minutes, 0) * (rest[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        seconds = (long)(time - DateTime.UnixEpoch).TotalSeconds - (long)offset.TotalSeconds;
        return seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds;
    }

    /// <summary>Seconds with 0, 3, 6 or 9 fractional digits and the suffix <c>s</c>: <c>1.5s</c>, <c>-0.001s</c>.</summary>
    public static string? FormatDuration(long seconds, int nanos)
    {
        if (seconds is < -MaxDurationSeconds or > MaxDurationSeconds || nanos is < -999_999_999 or > 999_999_999
            || (seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0))
        {
            return null;
        }

        var sign = seconds < 0 || nanos < 0 ? "-" : "";
        return sign + Math.Abs(seconds).ToString(CultureInfo.InvariantCulture) + Fraction(Math.Abs(nanos)) + "s";
    }

    /// <summary>Reads <c>[-]seconds[.fraction]s</c>; false when it is not one or beyond ±10,000 years.</summary>
    public static bool TryParseDuration(string text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        if (text.Length < 2 || text[^1] != 's')
        {
            return false;
        }

        var body = text.AsSpan(0, text.Length - 1);
        var negative = body[0] == '-';
        if (negative)
        {
            body = body[1..];
        }

        var dot = body.IndexOf('.');
        var whole = dot < 0 ? body : body[..dot];
        if (whole.Length == 0 || !long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds > MaxDurationSeconds)
        {
            return false;
        }

        if (dot >= 0 && !TryParseFraction(body[(dot + 1)..], out nanos))
        {
            return false;
        }

        if (negative)
        {
            seconds = -seconds;
            nanos = -nanos;
        }

        return true;
    }

    /// <summary>A FieldMask path in JSON: each snake_case name in lowerCamelCase (<c>user.display_name</c> → <c>user.displayName</c>).</summary>
    public static string ToCamelPath(string path)
    {
        var text = new StringBuilder(path.Length);
        var upper = false;
        foreach (var c in path)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }

            text.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return text.ToString();
    }

    /// <summary>The inverse of <see cref="ToCamelPath"/>; null for a path that has no snake_case form (an underscore or a capital after a dot).</summary>
    public static string? ToSnakePath(string path)
    {
        var text = new StringBuilder(path.Length + 4);
        foreach (var c in path)
        {
            if (c == '_')
            {
                return null;
            }

            if (char.IsAsciiLetterUpper(c))
            {
                text.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static string Fraction(int nanos) =>
        nanos == 0 ? ""
        : nanos % 1_000_000 == 0 ? "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture)
        : nanos % 1_000 == 0 ? "." + (nanos / 1_000).ToString("D6", CultureInfo.InvariantCulture)
        : "." + nanos.ToString("D9", CultureInfo.InvariantCulture);

    private static bool TryParseFraction(ReadOnlySpan<char> digits, out int nanos)
    {
        nanos = 0;
        if (digits.Length is 0 or > 9)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        nanos = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        for (var i = digits.Length; i < 9; i++)
        {
            nanos *= 10;
        }

        return true;
    }
}
