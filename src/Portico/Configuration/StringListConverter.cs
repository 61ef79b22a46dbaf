using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portico.Configuration;

/// <summary>
/// Reads every list of strings in the registry (methods, hosts, header names, scopes…) and refuses a null element, which
/// <c>RespectNullableAnnotations</c> does not cover inside collections: <c>[ "GET", null ]</c> in JSON, or a YAML
/// anchor with no value, is a located configuration error instead of a null that a compiler would trip over.
/// </summary>
internal sealed class StringListConverter : JsonConverter<IReadOnlyList<string>>
{
    /// <summary>The message of the error, recognised by <see cref="RegistrySerializer"/> to explain it.</summary>
    public const string NullElementMessage = "a list element must not be null";

    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("The JSON value could not be converted to a list of strings.");
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => throw new JsonException(NullElementMessage),
                _ => throw new JsonException("The JSON value could not be converted to a string."),
            });
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
