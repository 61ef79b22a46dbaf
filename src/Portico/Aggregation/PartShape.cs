using System.Text.Json;

namespace Portico.Aggregation;

/// <summary>
/// The field selection and renaming of one part, applied while its data is written into the merged answer: to the
/// object, or to each object of an array. Members are written straight from the parsed answer, never copied twice.
/// </summary>
internal sealed class PartShape
{
    /// <summary>No selection and no renaming: the value is written as it came.</summary>
    public static readonly PartShape AsIs = new(null, null);

    private readonly Field[]? _fields;
    private readonly Field[]? _renames;

    public PartShape(IReadOnlyList<string>? fields, IReadOnlyDictionary<string, string>? rename)
    {
        _renames = rename is null ? null : [.. rename.Select(r => new Field(r.Key, r.Value))];
        _fields = fields is null ? null : [.. fields.Select(f => new Field(f, rename is not null && rename.TryGetValue(f, out var to) ? to : f))];
    }

    private bool IsAsIs => _fields is null && _renames is null;

    /// <summary>Writes <paramref name="value"/> shaped.</summary>
    public void WriteValue(Utf8JsonWriter writer, JsonElement value)
    {
        if (IsAsIs)
        {
            value.WriteTo(writer);
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                WriteMembers(writer, value, null);
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    /// <summary>
    /// Writes the members of <paramref name="value"/> (an object) into the object being written, shaped, except those
    /// <paramref name="skip"/> refuses (names already present in the merged answer). Returns how many were written.
    /// </summary>
    public int WriteMembers(Utf8JsonWriter writer, JsonElement value, Func<string, bool>? skip)
    {
        var written = 0;
        if (_fields is not null)
        {
            foreach (var field in _fields)
            {
                if (value.TryGetProperty(field.Name, out var member) && !(skip?.Invoke(field.Output) ?? false))
                {
                    writer.WritePropertyName(field.EncodedOutput);
                    member.WriteTo(writer);
                    written++;
                }
            }

            return written;
        }

        foreach (var member in value.EnumerateObject())
        {
            var renamed = Renamed(member);
            if (skip is not null && skip(renamed?.Output ?? member.Name))
            {
                continue;
            }

            if (renamed is { } field)
            {
                writer.WritePropertyName(field.EncodedOutput);
                member.Value.WriteTo(writer);
            }
            else
            {
                member.WriteTo(writer);
            }

            written++;
        }

        return written;
    }

    private Field? Renamed(JsonProperty member)
    {
        if (_renames is null)
        {
            return null;
        }

        foreach (var field in _renames)
        {
            if (member.NameEquals(field.Name))
            {
                return field;
            }
        }

        return null;
    }

    private sealed class Field(string name, string output)
    {
        public string Name { get; } = name;

        public string Output { get; } = output;

        public JsonEncodedText EncodedOutput { get; } = JsonEncodedText.Encode(output, AggregateJson.Encoder);
    }
}
