namespace Portico.Transcoding;

/// <summary>
/// A <c>google.api.http</c> path template (google/api/http.proto): literal segments, <c>*</c> (one segment),
/// <c>**</c> (the rest of the path, last only), variables <c>{field.path}</c> or <c>{field.path=segments}</c>,
/// and an optional <c>:verb</c> suffix. Parsed once when the registry loads; matched against request paths.
/// </summary>
internal sealed class PathTemplate
{
    private const string AnySegment = "*";
    private const string Rest = "**";

    private readonly string[] _segments;
    private readonly bool _endsWithRest;

    private PathTemplate(string text, string[] segments, PathVariable[] variables, string? verb)
    {
        Text = text;
        _segments = segments;
        Variables = variables;
        Verb = verb;
        _endsWithRest = segments.Length > 0 && segments[^1] == Rest;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The variables, in the order they appear.</summary>
    public PathVariable[] Variables { get; }

    /// <summary>The verb after the last segment (<c>run</c> in <c>/v1/search:run</c>), or null.</summary>
    public string? Verb { get; }

    /// <summary>Parses <paramref name="text"/>; null with the reason when it is not a template.</summary>
    public static PathTemplate? Parse(string text, out string? problem)
    {
        problem = null;
        if (!text.StartsWith('/'))
        {
            problem = $"'{text}' does not start with '/'";
            return null;
        }

        var segments = new List<string>();
        var variables = new List<PathVariable>();
        string? verb = null;
        var i = 1;
        while (i <= text.Length)
        {
            if (i == text.Length)
            {
                if (text.Length > 1)
                {
                    problem = $"'{text}' ends with '/'";
                    return null;
                }

                break; // "/" alone
            }

            if (text[i] == '{')
            {
                var close = text.IndexOf('}', i);
                if (close < 0)
                {
                    problem = $"'{text}' has an unclosed '{{'";
                    return null;
                }

                var inside = text[(i + 1)..close];
                var equals = inside.IndexOf('=');
                var fieldPath = equals < 0 ? inside : inside[..equals];
                if (!IsFieldPath(fieldPath))
                {
                    problem = $"'{text}': '{fieldPath}' is not a field path";
                    return null;
                }

                var start = segments.Count;
                foreach (var part in (equals < 0 ? AnySegment : inside[(equals + 1)..]).Split('/'))
                {
                    if (part.Length == 0 || part.Contains('{') || part.Contains(':'))
                    {
                        problem = $"'{text}': variable '{fieldPath}' has an empty or invalid segment";
                        return null;
                    }

                    segments.Add(part);
                }

                variables.Add(new PathVariable(fieldPath, start, segments.Count));
                i = close + 1;
            }
            else
            {
                var end = i;
                while (end < text.Length && text[end] != '/' && text[end] != ':' && text[end] != '{')
                {
                    end++;
                }

                if (end == i)
                {
                    problem = $"'{text}' has an empty segment";
                    return null;
                }

                segments.Add(text[i..end]);
                i = end;
            }

            if (i < text.Length && text[i] == ':')
            {
                verb = text[(i + 1)..];
                if (verb.Length == 0 || verb.Contains('/') || verb.Contains('{'))
                {
                    problem = $"'{text}' has an invalid verb";
                    return null;
                }

                break;
            }

            if (i < text.Length && text[i] != '/')
            {
                problem = $"'{text}': a variable must be a whole segment";
                return null;
            }

            i++;
        }

        for (var s = 0; s < segments.Count - 1; s++)
        {
            if (segments[s] == Rest)
            {
                problem = $"'{text}': '**' may only be the last segment";
                return null;
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            if (!names.Add(variable.FieldPath))
            {
                problem = $"'{text}' binds '{variable.FieldPath}' twice";
                return null;
            }
        }

        return new PathTemplate(text, [.. segments], [.. variables], verb);
    }

    /// <summary>
    /// Matches <paramref name="path"/> (as sent, percent-encoded) and returns each variable's value decoded (segments of
    /// a multi-segment variable joined with '/'), in <see cref="Variables"/> order; null when it does not match.
    /// </summary>
    public string[]? Match(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] != '/')
        {
            return null;
        }

        path = path[1..];
        if (Verb is not null)
        {
            if (!path.EndsWith(":" + Verb, StringComparison.Ordinal))
            {
                return null;
            }

            path = path[..^(Verb.Length + 1)];
        }

        var count = path.IsEmpty ? 0 : path.Count('/') + 1;
        if (_endsWithRest ? count < _segments.Length - 1 : count != _segments.Length)
        {
            return null;
        }

        Span<Range> ranges = count <= 32 ? stackalloc Range[count] : new Range[count];
        if (count > 0)
        {
            path.Split(ranges, '/');
        }

        for (var i = 0; i < _segments.Length && i < count; i++)
        {
            var segment = path[ranges[i]];
            var expected = _segments[i];
            if (expected == Rest)
            {
                break;
            }

            if (expected == AnySegment ? segment.IsEmpty : !segment.SequenceEqual(expected))
            {
                return null;
            }
        }

        var values = new string[Variables.Length];
        for (var v = 0; v < Variables.Length; v++)
        {
            var variable = Variables[v];
            var end = variable.End == _segments.Length && _endsWithRest ? count : variable.End;
            if (variable.Start == end)
            {
                values[v] = "";
                continue;
            }

            var first = ranges[variable.Start].Start.GetOffset(path.Length);
            var last = ranges[end - 1].End.GetOffset(path.Length);
            var raw = path[first..last].ToString();
            // One segment is decoded whole; several keep their '/' separators, each segment decoded (reserved
            // expansion, google/api/http.proto): an encoded '/' inside a segment stays encoded there.
            values[v] = end - variable.Start == 1
                ? Uri.UnescapeDataString(raw)
                : string.Join('/', raw.Split('/').Select(s => Uri.UnescapeDataString(s.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase))));
        }

        return values;
    }

    private static bool IsFieldPath(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var part in text.Split('.'))
        {
            if (part.Length == 0 || !(char.IsAsciiLetter(part[0]) || part[0] == '_') || !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
