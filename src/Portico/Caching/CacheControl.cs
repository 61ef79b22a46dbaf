using Microsoft.Extensions.Primitives;

namespace Portico.Caching;

/// <summary>
/// The directives of a <c>Cache-Control</c> field (RFC 9111 §5.2), request or response, parsed once. Directive names
/// are case-insensitive; arguments are a token or a quoted-string (a directive name inside a quoted-string is data,
/// not a directive). Where a directive repeats, the first occurrence counts (§4.2.1). A delta-seconds argument that is
/// not digits makes a freshness directive count as zero (the response is treated as stale); a value too large is
/// 2^31 (§1.2.2). Unknown directives are ignored (§5.2.3).
/// </summary>
internal sealed class CacheControl
{
    /// <summary>The largest delta-seconds a cache must be able to hold (RFC 9111 §1.2.2).</summary>
    public const long MaxDeltaSeconds = 2147483648;

    /// <summary>No field, or nothing understood in it.</summary>
    public static readonly CacheControl Empty = new();

    /// <summary>More directives than any honest sender uses; the rest of an absurd field is ignored.</summary>
    private const int MaxDirectives = 64;

    public long? MaxAge { get; private set; }

    public long? SharedMaxAge { get; private set; }

    /// <summary><c>max-stale</c>; <see cref="long.MaxValue"/> when given without a value (any staleness).</summary>
    public long? MaxStale { get; private set; }

    public long? MinFresh { get; private set; }

    public long? StaleWhileRevalidate { get; private set; }

    public long? StaleIfError { get; private set; }

    public bool NoStore { get; private set; }

    /// <summary>Unqualified <c>no-cache</c>: every use needs a successful revalidation.</summary>
    public bool NoCache { get; private set; }

    /// <summary>The field names of a qualified <c>no-cache="…"</c> (response): not sent without revalidation.</summary>
    public string[]? NoCacheFields { get; private set; }

    /// <summary>Unqualified <c>private</c>: a shared cache must not store the response.</summary>
    public bool Private { get; private set; }

    /// <summary>The field names of a qualified <c>private="…"</c>: a shared cache must not store them.</summary>
    public string[]? PrivateFields { get; private set; }

    public bool Public { get; private set; }

    public bool MustRevalidate { get; private set; }

    public bool ProxyRevalidate { get; private set; }

    public bool MustUnderstand { get; private set; }

    public bool NoTransform { get; private set; }

    public bool OnlyIfCached { get; private set; }

    /// <summary>Whether a stored response may never be served stale (RFC 9111 §4.2.4): <c>must-revalidate</c>, <c>proxy-revalidate</c> or <c>s-maxage</c> (§5.2.2.10).</summary>
    public bool ForbidsStale => MustRevalidate || ProxyRevalidate || SharedMaxAge is not null;

    /// <summary>
    /// These request directives without the ones by which a client asks for a newer response (<c>no-cache</c>,
    /// <c>max-age</c>, <c>min-fresh</c>), for routes that ignore them.
    /// </summary>
    public CacheControl WithoutClientRefresh()
    {
        var copy = (CacheControl)MemberwiseClone();
        copy.NoCache = false;
        copy.MaxAge = null;
        copy.MinFresh = null;
        return copy;
    }

    /// <summary>Parses every line of the field; <see cref="Empty"/> when there is none.</summary>
    public static CacheControl Parse(StringValues lines)
    {
        if (lines.Count == 0)
        {
            return Empty;
        }

        var result = new CacheControl();
        var seen = 0;
        foreach (var line in lines)
        {
            if (line is null)
            {
                continue;
            }

            var i = 0;
            while (i < line.Length && seen < MaxDirectives)
            {
                if (!ReadDirective(line, ref i, out var name, out var value, out var quoted))
                {
                    continue;
                }

                seen++;
                result.Apply(name, value, quoted);
            }
        }

        return result;
    }

    private void Apply(ReadOnlySpan<char> name, string? value, bool quoted)
    {
        if (Is(name, "max-age"))
        {
            MaxAge ??= Seconds(value, quoted);
        }
        else if (Is(name, "s-maxage"))
        {
            SharedMaxAge ??= Seconds(value, quoted);
        }
        else if (Is(name, "max-stale"))
        {
            MaxStale ??= value is null ? long.MaxValue : Seconds(value, quoted);
        }
        else if (Is(name, "min-fresh"))
        {
            MinFresh ??= Seconds(value, quoted);
        }
        else if (Is(name, "stale-while-revalidate"))
        {
            StaleWhileRevalidate ??= Seconds(value, quoted);
        }
        else if (Is(name, "stale-if-error"))
        {
            StaleIfError ??= Seconds(value, quoted);
        }
        else if (Is(name, "no-store"))
        {
            NoStore = true;
        }
        else if (Is(name, "no-cache"))
        {
            if (value is null || !quoted)
            {
                NoCache = true; // a token argument is not the field-name list form: the safe reading is unqualified
            }
            else
            {
                NoCacheFields = Merge(NoCacheFields, FieldNames(value));
                NoCache |= NoCacheFields.Length == 0;
            }
        }
        else if (Is(name, "private"))
        {
            if (value is null || !quoted)
            {
                Private = true;
            }
            else
            {
                PrivateFields = Merge(PrivateFields, FieldNames(value));
                Private |= PrivateFields.Length == 0;
            }
        }
        else if (Is(name, "public"))
        {
            Public = true;
        }
        else if (Is(name, "must-revalidate"))
        {
            MustRevalidate = true;
        }
        else if (Is(name, "proxy-revalidate"))
        {
            ProxyRevalidate = true;
        }
        else if (Is(name, "must-understand"))
        {
            MustUnderstand = true;
        }
        else if (Is(name, "no-transform"))
        {
            NoTransform = true;
        }
        else if (Is(name, "only-if-cached"))
        {
            OnlyIfCached = true;
        }
    }

    private static bool Is(ReadOnlySpan<char> name, string directive) => name.Equals(directive, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// delta-seconds = 1*DIGIT (§1.2.2). Leading zeros are fine; anything else (signs, decimals, letters, single quotes,
    /// an empty value) is invalid, read as 0 so the response counts as stale rather than fresh for a wrong reason.
    /// </summary>
    internal static long Seconds(string? value, bool quoted)
    {
        _ = quoted; // a quoted-string argument is accepted for the token form (RFC 9111 §5.2: recipients accept both)
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        long result = 0;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return 0;
            }

            result = Math.Min(result * 10 + (c - '0'), MaxDeltaSeconds);
        }

        return result;
    }

    private static string[] FieldNames(string list)
    {
        var names = new List<string>();
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Length > 0 && part.Length <= 256 && names.Count < MaxDirectives)
            {
                names.Add(part);
            }
        }

        return [.. names];
    }

    private static string[] Merge(string[]? first, string[] second) => first is null ? second : [.. first, .. second];

    /// <summary>
    /// Reads one directive at <paramref name="i"/>: <c>token [ "=" ( token / quoted-string ) ]</c>, then skips to after
    /// the next comma outside quotes. Whitespace around "=" makes the directive malformed, and it is skipped whole.
    /// </summary>
    private static bool ReadDirective(string s, ref int i, out ReadOnlySpan<char> name, out string? value, out bool quoted)
    {
        name = default;
        value = null;
        quoted = false;
        while (i < s.Length && (s[i] is ' ' or '\t' or ','))
        {
            i++;
        }

        var start = i;
        while (i < s.Length && IsTokenChar(s[i]))
        {
            i++;
        }

        var valid = i > start;
        name = s.AsSpan(start, i - start);
        if (valid && i < s.Length && s[i] == '=')
        {
            i++;
            if (i < s.Length && s[i] == '"')
            {
                quoted = true;
                var builder = new System.Text.StringBuilder();
                i++;
                var closed = false;
                while (i < s.Length)
                {
                    var c = s[i++];
                    if (c == '\\' && i < s.Length)
                    {
                        builder.Append(s[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }

                valid = closed;
                value = builder.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < s.Length && IsTokenChar(s[i]))
                {
                    i++;
                }

                value = s[valueStart..i];
            }
        }

        // What follows must be optional whitespace and then a comma or the end; anything else spoils the directive.
        while (i < s.Length && (s[i] is ' ' or '\t'))
        {
            i++;
        }

        if (i < s.Length && s[i] != ',')
        {
            valid = false;
            SkipToComma(s, ref i);
        }

        return valid;
    }

    private static void SkipToComma(string s, ref int i)
    {
        var inQuotes = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
            }
            else if (c == '"')
            {
                inQuotes = true;
            }
            else if (c == ',')
            {
                return;
            }

            i++;
        }
    }

    // tchar (RFC 9110 §5.6.2)
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
