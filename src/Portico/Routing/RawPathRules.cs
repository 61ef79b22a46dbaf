using System.Buffers;

namespace Portico.Routing;

/// <summary>
/// The paths the gateway refuses because a backend could read them differently from the route they matched: every
/// path is checked as the client sent it, before any route is matched, so that matching and forwarding read one path.
/// </summary>
/// <remarks>
/// Refused (400 <c>invalid-path</c>), each with the reason a gateway bypass or a desync needs it:
/// <list type="bullet">
/// <item>malformed percent-encoding (<c>%zz</c>, a trailing <c>%</c>, IIS's <c>%u002e</c>), which backends decode in
/// different ways or not at all;</item>
/// <item>encoded octets that are not UTF-8, including overlong forms (<c>%C0%AF</c> is an overlong <c>/</c>) and
/// encoded surrogates;</item>
/// <item>control characters, raw or encoded (an encoded CR LF splits log lines and redirect headers);</item>
/// <item>a raw backslash, which several servers read as <c>/</c>;</item>
/// <item>dot segments, raw (<c>/../</c>, which the server removes before the gateway matches) or encoded
/// (<c>%2e%2e</c>), and also where an encoded separator (<c>..%2F</c>, <c>..%5C</c>) or a path parameter
/// (<c>..;</c>, <c>..%3B</c>) would make one for a backend that decodes or strips them first;</item>
/// <item>raw matrix parameters (<c>;</c>): Tomcat and Spring strip <c>;jsessionid=…</c>-style parameters before
/// routing, so <c>/admin;x/secret</c> would match a public catch-all here and be <c>/admin/secret</c> there
/// (encoded as <c>%3B</c>, a semicolon is data and passes);</item>
/// <item>empty segments (<c>//</c>), which many servers merge;</item>
/// <item>characters that Unicode normalization or Windows' best-fit mapping turn into a dot, slash or backslash
/// (fullwidth <c>%EF%BC%8F</c>, the division slash <c>%E2%88%95</c>).</item>
/// A dot or separator encoded twice (<c>%252e</c>) passes: the Functions host's proxy hop encodes <c>%</c> again, so
/// under Functions every <c>%2F</c> a client sends arrives as <c>%252F</c> and refusing it would refuse them all.
/// </list>
/// An encoded slash (<c>%2F</c>) is data: it stays inside its segment for matching and reaches the backend as sent.
/// </remarks>
internal static class RawPathRules
{
    // A path with none of these, and no "/." or "//", passes as it is (the common case costs two vectorized scans).
    private static readonly SearchValues<char> NeedsCloserLook = SearchValues.Create(
        "%\\;#\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>Why <paramref name="path"/> (raw, starting with <c>/</c>) is refused, in words for the client that never repeat it; null when it is fine.</summary>
    public static string? Check(ReadOnlySpan<char> path)
    {
        if (path.IndexOfAny(NeedsCloserLook) < 0 && !path.Contains("/.", StringComparison.Ordinal) && !path.Contains("//", StringComparison.Ordinal))
        {
            return null;
        }

        var piece = new Piece();
        var segmentStart = 0;
        var pending = 0; // UTF-8 continuation bytes still due
        byte lower = 0x80, upper = 0xBF; // the range the next continuation byte must fall in (Unicode table 3-7)
        var codePoint = 0; // of the encoded UTF-8 sequence being read
        var i = 0;
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '%')
            {
                if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2]))
                {
                    return "The path has a '%' that is not followed by two hexadecimal digits.";
                }

                var b = (byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
                i += 3;
                if (pending > 0)
                {
                    if (b < lower || b > upper)
                    {
                        return NotUtf8;
                    }

                    (lower, upper) = (0x80, 0xBF);
                    codePoint = (codePoint << 6) | (b & 0x3F);
                    if (--pending == 0)
                    {
                        if (IsSeparatorLookalike(codePoint))
                        {
                            return Lookalike;
                        }

                        piece.Other();
                    }

                    continue;
                }

                if (b >= 0x80)
                {
                    (pending, lower, upper) = b switch
                    {
                        >= 0xC2 and <= 0xDF => (1, (byte)0x80, (byte)0xBF),
                        0xE0 => (2, (byte)0xA0, (byte)0xBF), // no overlong three-byte forms
                        0xED => (2, (byte)0x80, (byte)0x9F), // no surrogates
                        >= 0xE1 and <= 0xEF => (2, (byte)0x80, (byte)0xBF),
                        0xF0 => (3, (byte)0x90, (byte)0xBF), // no overlong four-byte forms
                        >= 0xF1 and <= 0xF3 => (3, (byte)0x80, (byte)0xBF),
                        0xF4 => (3, (byte)0x80, (byte)0x8F), // nothing above U+10FFFF
                        _ => (0, (byte)0, (byte)0),
                    };
                    if (pending == 0)
                    {
                        return NotUtf8;
                    }

                    codePoint = b & (0x7F >> (pending + 1)); // the lead byte's payload bits
                    continue;
                }

                var decoded = (char)b;
                if (IsControl(decoded))
                {
                    return ControlCharacter;
                }

                if (decoded is '/' or '\\')
                {
                    // Data to this gateway, a separator to a backend that decodes it first: no dot segment on either side.
                    if (piece.IsDotSegment)
                    {
                        return DotSegment;
                    }

                    piece = new Piece();
                    continue;
                }

                piece.Add(decoded);
                continue;
            }

            if (pending > 0)
            {
                return NotUtf8; // a character where the rest of an encoded UTF-8 sequence was due
            }

            switch (c)
            {
                case '/':
                    if (piece.IsDotSegment)
                    {
                        return DotSegment;
                    }

                    if (i > 0 && i == segmentStart)
                    {
                        return "The path has an empty segment ('//').";
                    }

                    piece = new Piece();
                    segmentStart = i + 1;
                    break;
                case '\\':
                    return "The path has a backslash; send it percent-encoded as %5C.";
                case ';':
                    return "The path has a ';' (path parameters are not accepted); send it percent-encoded as %3B when it is data.";
                case '#':
                    return "The path has a '#'; a fragment is never sent to a server.";
                default:
                    if (IsControl(c))
                    {
                        return ControlCharacter;
                    }

                    piece.Add(c);
                    break;
            }

            i++;
        }

        if (pending > 0)
        {
            return NotUtf8;
        }

        return piece.IsDotSegment ? DotSegment : null;
    }

    private const string NotUtf8 = "The path has percent-encoded octets that are not UTF-8.";
    private const string ControlCharacter = "The path has a control character.";
    private const string DotSegment = "The path has a '.' or '..' segment, written out, percent-encoded, or behind an encoded '/' or '\\' or a ';'.";

    private const string Lookalike = "The path has a character that Unicode normalization or a best-fit mapping turns into '.', '/' or '\\'.";

    /// <summary>
    /// Fullwidth and small forms of '.', '/' and '\' the one-dot leader, and the division slash and set minus: NFKC normalization (which some
    /// frameworks apply to paths) and Windows' best-fit code-page mapping turn them into the ASCII separator or dot.
    /// </summary>
    private static bool IsSeparatorLookalike(int codePoint) =>
        codePoint is 0xFF0E or 0xFF0F or 0xFF3C or 0xFE52 or 0xFE68 or 0x2215 or 0x2216 or 0x2024;

    private static bool IsControl(char c) => c < ' ' || c == '\u007F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>
    /// One piece of a segment as a backend might cut it: between separators, encoded or not, and up to a path
    /// parameter (<c>;</c>) — whether it is only one or two dots.
    /// </summary>
    private struct Piece
    {
        private int _dots;
        private bool _other;
        private bool _inParameter;

        public readonly bool IsDotSegment => !_other && _dots is 1 or 2;

        public void Add(char c)
        {
            if (_inParameter)
            {
                return;
            }

            switch (c)
            {
                case '.':
                    _dots++;
                    break;
                case ';':
                    _inParameter = true;
                    break;
                default:
                    _other = true;
                    break;
            }
        }

        public void Other()
        {
            if (!_inParameter)
            {
                _other = true;
            }
        }
    }
}
