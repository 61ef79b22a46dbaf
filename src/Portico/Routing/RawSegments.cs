using System.Globalization;

namespace Portico.Routing;

/// <summary>
/// Positions in a raw path (percent-encoding untouched) by segment, and in a raw segment by the position of a
/// character the server decoded from it. The server decodes every escape except <c>%2F</c> (kept as three
/// characters), and <see cref="RawPathRules"/> let only valid UTF-8 escapes through, so the mapping is exact.
/// </summary>
internal static class RawSegments
{
    /// <summary>
    /// The index in <paramref name="path"/> (which starts with <c>/</c>) of the <c>/</c> that begins segment
    /// <paramref name="segment"/> (0 is the first); the path's length when it has fewer segments.
    /// </summary>
    public static int StartOf(ReadOnlySpan<char> path, int segment)
    {
        var index = 0;
        for (int i = 0; i < segment; i++)
        {
            var next = path[(index + 1)..].IndexOf('/');
            if (next < 0)
            {
                return path.Length;
            }

            index += next + 1;
        }

        return index;
    }

    /// <summary>Segment <paramref name="segment"/> of <paramref name="path"/> without its slash; false when the path has fewer.</summary>
    public static bool TryGet(ReadOnlyMemory<char> path, int segment, out ReadOnlyMemory<char> text)
    {
        var start = StartOf(path.Span, segment);
        if (start >= path.Length)
        {
            text = default;
            return false;
        }

        var rest = path[(start + 1)..];
        var end = rest.Span.IndexOf('/');
        text = end < 0 ? rest : rest[..end];
        return true;
    }

    /// <summary>The raw text of the characters <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/> of the decoded segment.</summary>
    public static ReadOnlyMemory<char> Slice(ReadOnlyMemory<char> rawSegment, int start, int length)
    {
        var from = RawIndex(rawSegment.Span, 0, 0, start);
        var to = RawIndex(rawSegment.Span, from, start, start + length);
        return rawSegment[from..to];
    }

    // Walks the raw segment from (raw, decoded) = (rawIndex, decodedIndex) until the decoded index reaches target.
    private static int RawIndex(ReadOnlySpan<char> raw, int rawIndex, int decodedIndex, int target)
    {
        while (decodedIndex < target && rawIndex < raw.Length)
        {
            if (raw[rawIndex] != '%' || rawIndex + 2 >= raw.Length)
            {
                rawIndex++;
                decodedIndex++;
                continue;
            }

            var lead = byte.Parse(raw.Slice(rawIndex + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            (var escapes, var chars) = lead switch
            {
                0x2F => (1, 3), // the server leaves %2F encoded
                < 0x80 => (1, 1),
                >= 0xF0 => (4, 2), // a surrogate pair
                >= 0xE0 => (3, 1),
                _ => (2, 1),
            };
            rawIndex += 3 * escapes;
            decodedIndex += chars;
        }

        return rawIndex;
    }
}
