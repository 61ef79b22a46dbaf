using System.Text;
using System.Text.Json;
using Portico.Configuration;

namespace Portico.Cli.Keys;

/// <summary>
/// Edits the <c>apiKeys</c> of a registry file in place: <c>keys create</c> inserts one entry and <c>keys revoke</c>
/// changes one status, and every other byte of the file (comments, order, layout, line endings, the final newline or
/// its absence) stays as the operator wrote it (issue 22). The result is parsed again and must equal the intended
/// registry; when it does not, nothing is written and the entry is printed for the operator to paste.
/// </summary>
internal static class ApiKeyFileEdit
{
    private const string Member = "apiKeys";

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The entry for <paramref name="key"/> as one line of JSON, as it is inserted.</summary>
    public static string Entry(ApiKeyDefinition key)
    {
        var entry = new StringBuilder("{ ");
        Append(entry, "id", key.Id, first: true);
        Append(entry, "consumer", key.Consumer);
        Append(entry, "hash", key.Hash);
        if (key.Status is not null)
        {
            Append(entry, "status", key.Status);
        }

        if (key.Created is not null)
        {
            Append(entry, "created", key.Created);
        }

        return entry.Append(" }").ToString();
    }

    /// <summary>The file with <paramref name="key"/> appended to <c>apiKeys</c> (the array is created when absent); null when the file cannot be edited in place.</summary>
    public static byte[]? AddKey(byte[] file, ApiKeyDefinition key)
    {
        var layout = Scan(file, null);
        if (layout is null)
        {
            return null;
        }

        var entry = Entry(key);
        var edits = layout.Keys is { } keys
            ? keys.LastElementEnd is { } last
                ? AppendAfter(file, layout, last, keys.LastElementStart!.Value, entry)
                : [(keys.Open + 1, InsideEmpty(file, layout, keys.Open, keys.Close, entry))]
            : layout.LastValueEnd is { } lastValue
                ? AppendAfter(file, layout, lastValue, layout.LastNameStart!.Value, PropertyText(file, layout, entry, layout.LastNameStart!.Value, lastValue))
                : [(layout.Open + 1, InsideEmpty(file, layout, layout.Open, layout.Close, $"\"{Member}\": [ {entry} ]"))];

        return Verify(file, Apply(file, edits), document => document with { ApiKeys = [.. document.ApiKeys, key] });
    }

    /// <summary>The file with key <paramref name="keyId"/>'s <c>status</c> set to <c>revoked</c>; null when it cannot be edited in place.</summary>
    public static byte[]? Revoke(byte[] file, string keyId)
    {
        var layout = Scan(file, keyId);
        if (layout?.Target is not { } target)
        {
            return null;
        }

        // Only the status value changes; a key without one gets it after its last member.
        var edited = target.StatusStart is { } from
            ? Replace(file, from, target.StatusEnd!.Value, "\"revoked\"")
            : Apply(file, [(target.LastValueEnd, ", \"status\": \"revoked\"")]);
        return Verify(file, edited, document => document with
        {
            ApiKeys = [.. document.ApiKeys.Select(k => k.Id == keyId ? k with { Status = "revoked" } : k)],
        });
    }

    private static void Append(StringBuilder entry, string name, string value, bool first = false)
    {
        if (!first)
        {
            entry.Append(", ");
        }

        entry.Append('"').Append(name).Append("\": ").Append(JsonSerializer.Serialize(value, RegistryJsonContext.Default.String));
    }

    /// <summary>
    /// Inserts <paramref name="text"/> after the last element (or property) ending at <paramref name="end"/>: on a line of
    /// its own with the same indentation when the last one has its own line, else on the same line.
    /// </summary>
    private static (int At, string Text)[] AppendAfter(byte[] file, Layout layout, int end, int start, string text)
    {
        var indent = Indentation(file, start);
        var lineEnd = LineEnd(file, end);
        var after = SkipSpaces(file, end, lineEnd);
        var hasComma = after < lineEnd && file[after] == ',';
        var rest = SkipSpaces(file, hasComma ? after + 1 : after, lineEnd);
        var restIsComment = rest == lineEnd || (rest + 1 < lineEnd && file[rest] == '/' && file[rest + 1] == '/');
        if (indent is null || !restIsComment)
        {
            // Compact layout: stay on the line.
            return [(end, ", " + text)];
        }

        // The author's trailing-comma habit is kept: "x,\n" gets "x,\n  y,\n".
        var line = layout.NewLine + indent + text + (hasComma ? "," : "");
        return hasComma ? [(lineEnd, line)] : [(end, ","), (lineEnd, line)];
    }

    private static string PropertyText(byte[] file, Layout layout, string entry, int nameStart, int valueEnd)
    {
        var indent = Indentation(file, nameStart);
        return indent is null || !IsOwnLine(file, valueEnd)
            ? $"\"{Member}\": [ {entry} ]"
            : $"\"{Member}\": [{layout.NewLine}{indent}{layout.Unit}{entry}{layout.NewLine}{indent}]";
    }

    /// <summary>The text inserted after the opening bracket or brace of an empty array or object.</summary>
    private static string InsideEmpty(byte[] file, Layout layout, int open, int close, string text)
    {
        if (LineEnd(file, open) >= close)
        {
            // "[]" becomes "[ x ]", "[ ]" becomes "[ x ]".
            return " " + text + (close == open + 1 ? " " : "");
        }

        return layout.NewLine + LeadingWhitespace(file, LineStart(file, open)) + layout.Unit + text;
    }

    private static byte[]? Verify(byte[] original, byte[] edited, Func<RegistryDocument, RegistryDocument> intended)
    {
        var before = RegistrySerializer.ParseDocument(original, "before").Value;
        var after = RegistrySerializer.ParseDocument(edited, "after").Value;
        return before is null || after is null || !RegistryDiff.Compute(intended(before), after).IsEmpty ? null : edited;
    }

    private static byte[] Apply(byte[] file, IEnumerable<(int At, string Text)> edits)
    {
        var result = new List<byte>(file.Length + 256);
        var position = 0;
        foreach (var (at, text) in edits.OrderBy(e => e.At))
        {
            result.AddRange(file.AsSpan(position, at - position));
            result.AddRange(Encoding.UTF8.GetBytes(text));
            position = at;
        }

        result.AddRange(file.AsSpan(position));
        return [.. result];
    }

    private static byte[] Replace(byte[] file, int from, int to, string text) =>
        [.. file.AsSpan(0, from), .. Encoding.UTF8.GetBytes(text), .. file.AsSpan(to)];

    private static int LineStart(byte[] file, int position)
    {
        var newline = Array.LastIndexOf(file, (byte)'\n', Math.Max(position - 1, 0));
        return position == 0 ? 0 : newline + 1;
    }

    private static int LineEnd(byte[] file, int position)
    {
        var newline = Array.IndexOf(file, (byte)'\n', position);
        var end = newline < 0 ? file.Length : newline;
        return end > position && file[end - 1] == '\r' ? end - 1 : end;
    }

    private static int SkipSpaces(byte[] file, int position, int limit)
    {
        while (position < limit && file[position] is (byte)' ' or (byte)'\t')
        {
            position++;
        }

        return position;
    }

    /// <summary>The whitespace before <paramref name="position"/> on its line, or null when something else precedes it there.</summary>
    private static string? Indentation(byte[] file, int position)
    {
        var start = LineStart(file, position);
        return SkipSpaces(file, start, position) == position ? Encoding.UTF8.GetString(file, start, position - start) : null;
    }

    private static string LeadingWhitespace(byte[] file, int lineStart) =>
        Encoding.UTF8.GetString(file, lineStart, SkipSpaces(file, lineStart, file.Length) - lineStart);

    private static bool IsOwnLine(byte[] file, int end)
    {
        var lineEnd = LineEnd(file, end);
        var rest = SkipSpaces(file, end, lineEnd);
        if (rest < lineEnd && file[rest] == ',')
        {
            rest = SkipSpaces(file, rest + 1, lineEnd);
        }

        return rest == lineEnd || (rest + 1 < lineEnd && file[rest] == '/' && file[rest + 1] == '/');
    }

    /// <summary>Where the top-level object, its members and its <c>apiKeys</c> are, as byte offsets; null when the file is not an object.</summary>
    private static Layout? Scan(byte[] file, string? targetId)
    {
        var offset = file.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var reader = new Utf8JsonReader(file.AsSpan(offset), ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var layout = new Layout { Open = offset + (int)reader.TokenStartIndex, NewLine = file.AsSpan().IndexOf("\r\n"u8) >= 0 ? "\r\n" : "\n" };
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var nameStart = offset + (int)reader.TokenStartIndex;
                var isKeys = reader.ValueTextEquals(Member);
                reader.Read();
                if (isKeys && reader.TokenType == JsonTokenType.StartArray)
                {
                    layout.Keys = ScanKeys(ref reader, offset, targetId, layout);
                }
                else
                {
                    reader.Skip();
                }

                layout.LastNameStart = nameStart;
                layout.LastValueEnd = offset + (int)reader.BytesConsumed;
                layout.Unit ??= UnitOf(file, layout.Open, nameStart);
            }

            layout.Close = offset + (int)reader.TokenStartIndex;
            layout.Unit ??= "  ";
            return layout;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static KeysArray ScanKeys(ref Utf8JsonReader reader, int offset, string? targetId, Layout layout)
    {
        var keys = new KeysArray { Open = offset + (int)reader.TokenStartIndex };
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            keys.LastElementStart = offset + (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var element = ScanElement(ref reader, offset);
                if (targetId is not null && element.Id == targetId)
                {
                    layout.Target = element;
                }
            }
            else
            {
                reader.Skip();
            }

            keys.LastElementEnd = offset + (int)reader.BytesConsumed;
        }

        keys.Close = offset + (int)reader.TokenStartIndex;
        return keys;
    }

    private static KeyElement ScanElement(ref Utf8JsonReader reader, int offset)
    {
        var element = new KeyElement();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "id" && reader.TokenType == JsonTokenType.String)
            {
                element.Id = reader.GetString();
            }
            else if (name == "status" && reader.TokenType == JsonTokenType.String)
            {
                element.StatusStart = offset + (int)reader.TokenStartIndex;
                element.StatusEnd = offset + (int)reader.BytesConsumed;
            }

            reader.Skip();
            element.LastValueEnd = offset + (int)reader.BytesConsumed;
        }

        return element;
    }

    /// <summary>One level of indentation, from the first member's indentation relative to the object's line.</summary>
    private static string? UnitOf(byte[] file, int open, int firstName)
    {
        var indent = Indentation(file, firstName);
        var outer = LeadingWhitespace(file, LineStart(file, open));
        return indent is not null && indent.Length > outer.Length && LineStart(file, firstName) != LineStart(file, open)
            ? indent[outer.Length..]
            : null;
    }

    private sealed class Layout
    {
        public int Open { get; init; }

        public int Close { get; set; }

        public required string NewLine { get; init; }

        public string? Unit { get; set; }

        public int? LastNameStart { get; set; }

        public int? LastValueEnd { get; set; }

        public KeysArray? Keys { get; set; }

        public KeyElement? Target { get; set; }
    }

    private sealed class KeysArray
    {
        public int Open { get; init; }

        public int Close { get; set; }

        public int? LastElementStart { get; set; }

        public int? LastElementEnd { get; set; }
    }

    private sealed class KeyElement
    {
        public string? Id { get; set; }

        public int? StatusStart { get; set; }

        public int? StatusEnd { get; set; }

        public int LastValueEnd { get; set; }
    }
}
