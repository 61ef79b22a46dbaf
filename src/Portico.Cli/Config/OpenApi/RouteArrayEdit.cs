using System.Text;
using System.Text.Json;
using Portico.Configuration;

namespace Portico.Cli.Config.OpenApi;

/// <summary>
/// Edits the <c>routes</c> array of a JSON registry file in place: a changed route's element is replaced, a removed
/// one cut out with its comma, and new ones appended after the last element, one line each with its indentation.
/// Every other byte (other routes, other sections, comments, line endings) stays as it was (issue 22). The result is
/// parsed again and must equal the intended registry; when it cannot be done, null, and the caller prints the routes.
/// </summary>
internal static class RouteArrayEdit
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>One route as the single line it is written as.</summary>
    public static string Line(RouteDefinition route) => RegistrySerializer.SerializeItem(route, RegistryJsonContext.Default.RouteDefinition);

    /// <summary>The file with its routes made those of <paramref name="intended"/>; null when it cannot be edited in place.</summary>
    public static byte[]? Apply(byte[] file, RegistryDocument current, RegistryDocument intended)
    {
        var elements = Scan(file, out var arrayOpen, out var arrayClose);
        if (elements is null || elements.Count != current.Routes.Count)
        {
            return null;
        }

        var wanted = intended.Routes.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var existing = current.Routes.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var edits = new List<(int Start, int End, string Text)>();
        var keptLast = -1;
        for (int i = 0; i < elements.Count; i++)
        {
            var route = current.Routes[i];
            if (wanted.TryGetValue(route.Id, out var target))
            {
                keptLast = i;
                if (RegistrySerializer.SerializeItem(target, RegistryJsonContext.Default.RouteDefinition) != RegistrySerializer.SerializeItem(route, RegistryJsonContext.Default.RouteDefinition))
                {
                    edits.Add((elements[i].Start, elements[i].End, Line(target)));
                }
            }
        }

        // Removed elements: each one before the last kept element goes with everything up to the next element; those
        // after it go with the comma that follows the last kept one.
        for (int i = 0; i < elements.Count; i++)
        {
            if (wanted.ContainsKey(current.Routes[i].Id))
            {
                continue;
            }

            if (i < keptLast)
            {
                edits.Add((elements[i].Start, elements[i + 1].Start, ""));
            }
            else
            {
                var from = keptLast >= 0 ? elements[keptLast].End : elements[0].Start;
                edits.Add((from, elements[^1].End, ""));
                break;
            }
        }

        var added = intended.Routes.Where(r => !existing.Contains(r.Id)).Select(Line).ToList();
        if (added.Count > 0)
        {
            var newLine = file.AsSpan().IndexOf("\r\n"u8) >= 0 ? "\r\n" : "\n";
            if (keptLast >= 0)
            {
                var indent = Indentation(file, elements[keptLast].Start);
                var separator = indent is null ? ", " : "," + newLine + indent;
                edits.Add((elements[keptLast].End, elements[keptLast].End, string.Concat(added.Select(a => separator + a))));
            }
            else
            {
                // No route stays: the array's content is written anew.
                var outer = Leading(file, arrayOpen);
                var inner = outer + "  ";
                edits.RemoveAll(e => e.Text.Length == 0);
                edits.Add((arrayOpen + 1, arrayClose, newLine + string.Join("," + newLine, added.Select(a => inner + a)) + newLine + outer));
            }
        }

        var edited = ApplyEdits(file, edits);
        var before = RegistrySerializer.ParseDocument(edited, "edited").Value;
        return before is not null && RegistryDiff.Compute(intended, before).IsEmpty ? edited : null;
    }

    private static byte[] ApplyEdits(byte[] file, List<(int Start, int End, string Text)> edits)
    {
        var result = new List<byte>(file.Length + 1024);
        var position = 0;
        foreach (var (start, end, text) in edits.OrderBy(e => e.Start).ThenBy(e => e.End))
        {
            if (start < position)
            {
                continue; // inside a range already removed
            }

            result.AddRange(file.AsSpan(position, start - position));
            result.AddRange(Encoding.UTF8.GetBytes(text));
            position = end;
        }

        result.AddRange(file.AsSpan(position));
        return [.. result];
    }

    /// <summary>The whitespace before <paramref name="position"/> on its line, or null when something else precedes it.</summary>
    private static string? Indentation(byte[] file, int position)
    {
        var start = position;
        while (start > 0 && file[start - 1] is (byte)' ' or (byte)'\t')
        {
            start--;
        }

        return start == 0 || file[start - 1] == '\n' ? Encoding.UTF8.GetString(file, start, position - start) : null;
    }

    /// <summary>The leading whitespace of the line holding <paramref name="position"/>.</summary>
    private static string Leading(byte[] file, int position)
    {
        var lineStart = Array.LastIndexOf(file, (byte)'\n', Math.Max(position - 1, 0)) + 1;
        var end = lineStart;
        while (end < file.Length && file[end] is (byte)' ' or (byte)'\t')
        {
            end++;
        }

        return Encoding.UTF8.GetString(file, lineStart, end - lineStart);
    }

    /// <summary>Byte ranges of the <c>routes</c> elements of the top-level object; null when the file has no such array.</summary>
    private static List<(int Start, int End)>? Scan(byte[] file, out int arrayOpen, out int arrayClose)
    {
        arrayOpen = arrayClose = -1;
        var offset = file.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var reader = new Utf8JsonReader(file.AsSpan(offset), ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRoutes = reader.ValueTextEquals("routes");
                reader.Read();
                if (!isRoutes || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                arrayOpen = offset + (int)reader.TokenStartIndex;
                var elements = new List<(int, int)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = offset + (int)reader.TokenStartIndex;
                    reader.Skip();
                    elements.Add((start, offset + (int)reader.BytesConsumed));
                }

                arrayClose = offset + (int)reader.TokenStartIndex;
                return elements;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
