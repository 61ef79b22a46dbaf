using System.Text;
using System.Text.Json;

namespace Portico.Configuration;

/// <summary>
/// Maps JSON paths (<c>$.routes[2].match.path</c>) to line and column in a document, so errors found
/// after parsing still point at the exact place in the file. Built only when there are errors to place.
/// </summary>
internal sealed class JsonLocationIndex
{
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.Ordinal);

    private JsonLocationIndex()
    {
    }

    /// <summary>An index of positions found another way: those of a YAML file that was converted to the JSON form.</summary>
    internal static JsonLocationIndex FromPositions(IEnumerable<KeyValuePair<string, (int Line, int Column)>> positions)
    {
        var index = new JsonLocationIndex();
        foreach (var (path, position) in positions)
        {
            index._positions.TryAdd(path, position);
        }

        return index;
    }

    /// <summary>Indexes every property and array element of <paramref name="utf8Json"/>.</summary>
    public static JsonLocationIndex Build(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..]; // a byte order mark is not a column
        }

        var index = new JsonLocationIndex();
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < utf8Json.Length; i++)
        {
            if (utf8Json[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var paths = new JsonPathTracker();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        index.Record(paths.Property(reader.GetString()!), (int)reader.TokenStartIndex, utf8Json, lineStarts);
                        continue;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var container = paths.Enter(reader.TokenType == JsonTokenType.StartArray, out var isNewContainer);
                        if (isNewContainer)
                        {
                            index.Record(container, (int)reader.TokenStartIndex, utf8Json, lineStarts);
                        }

                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        paths.Leave();
                        break;
                    default:
                        var value = paths.Value(out var isNewValue);
                        if (isNewValue)
                        {
                            index.Record(value, (int)reader.TokenStartIndex, utf8Json, lineStarts);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            // A syntax error is reported by the parser with its own position; keep what was indexed.
        }

        return index;
    }

    /// <summary>The 1-based line and column of the value at <paramref name="jsonPath"/>, or of its nearest indexed ancestor.</summary>
    public (int Line, int Column)? Find(string jsonPath)
    {
        var path = jsonPath;
        while (path.Length > 0)
        {
            if (_positions.TryGetValue(path, out var position))
            {
                return position;
            }

            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            if (cut <= 0)
            {
                break;
            }

            path = path[..cut];
        }

        return _positions.TryGetValue("$", out var root) ? root : null;
    }

    private void Record(string path, int offset, ReadOnlySpan<byte> json, List<int> lineStarts)
    {
        var lineIndex = lineStarts.BinarySearch(offset);
        if (lineIndex < 0)
        {
            lineIndex = ~lineIndex - 1;
        }

        // Columns count characters, not bytes, so non-ASCII text before the value does not shift them.
        var column = Encoding.UTF8.GetCharCount(json[lineStarts[lineIndex]..offset]) + 1;
        _positions.TryAdd(path, (lineIndex + 1, column));
    }
}
