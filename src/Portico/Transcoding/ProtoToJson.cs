using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>
/// Writes a protobuf message as JSON, driven by the message's descriptor, per the proto3 JSON mapping
/// (https://protobuf.dev/programming-guides/json/): lowerCamelCase member names in field-number order, enums by
/// name (by number when the value is not declared), 64-bit integers as strings, bytes as base64, NaN and infinities
/// as strings, the well-known types in their own forms. Fields without presence that hold their default value are
/// left out; fields with presence (message fields, <c>optional</c>, oneof members) are written when set.
/// Packed and unpacked repeated fields are both read; a repeated message field merges, a singular one last wins.
/// </summary>
internal sealed class ProtoToJson(ProtoSchema schema)
{
    /// <summary>Nesting deeper than this (in the protobuf message) is refused rather than followed.</summary>
    public const int MaxDepth = 100;

    /// <summary>Writes <paramref name="data"/> as <paramref name="message"/> in JSON; false with <paramref name="error"/> when it is not one.</summary>
    public bool TryWrite(MessageDescriptor message, ReadOnlyMemory<byte> data, Utf8JsonWriter writer, out string? error)
    {
        try
        {
            error = null;
            WriteMessage(message, data, writer, 0);
            return true;
        }
        catch (ProtoJsonException ex)
        {
            error = ex.Describe();
            return false;
        }
        catch (InvalidProtocolBufferException ex)
        {
            error = "not a valid " + message.FullName + " (" + ex.Message + ")";
            return false;
        }
    }

    /// <summary>Writes a <c>google.protobuf.Any</c> given by its parts (the details of a <c>google.rpc.Status</c>); false with <paramref name="error"/> when its value is malformed.</summary>
    public bool TryWriteAny(string typeUrl, ByteString value, Utf8JsonWriter writer, out string? error)
    {
        try
        {
            error = null;
            WriteAny(typeUrl, value, writer, 0);
            return true;
        }
        catch (Exception ex) when (ex is ProtoJsonException or InvalidProtocolBufferException)
        {
            error = ex is ProtoJsonException json ? json.Describe() : ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Writes one field's value as JSON (the whole field: an array for a repeated field, an object for a map), or
    /// <c>null</c> when it is absent. For <c>response_body</c>, which answers with one field of the response.
    /// </summary>
    public bool TryWriteField(FieldDescriptor field, ReadOnlyMemory<byte> message, Utf8JsonWriter writer, out string? error)
    {
        try
        {
            error = null;
            var values = Collect(field.ContainingType, message);
            if (values[field.Index] is { } present)
            {
                WriteFieldValue(field, present, writer, 0);
            }
            else if (field.IsMap)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else if (field.IsRepeated)
            {
                writer.WriteStartArray();
                writer.WriteEndArray();
            }
            else if (field.FieldType == FieldType.Message)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteScalar(field, DefaultOf(field), writer);
            }

            return true;
        }
        catch (Exception ex) when (ex is ProtoJsonException or InvalidProtocolBufferException)
        {
            error = ex is ProtoJsonException json ? json.Describe() : ex.Message;
            return false;
        }
    }

    private void WriteMessage(MessageDescriptor message, ReadOnlyMemory<byte> data, Utf8JsonWriter writer, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ProtoJsonException($"nested more than {MaxDepth} messages deep");
        }

        if (WellKnownTypes.IsSpecial(message.FullName))
        {
            WriteWellKnown(message, data, writer, depth);
            return;
        }

        writer.WriteStartObject();
        WriteFields(message, data, writer, depth);
        writer.WriteEndObject();
    }

    private void WriteFields(MessageDescriptor message, ReadOnlyMemory<byte> data, Utf8JsonWriter writer, int depth)
    {
        var values = Collect(message, data);
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            if (values[field.Index] is not { } value || (!field.IsRepeated && !field.HasPresence && IsDefault(field, value)))
            {
                continue;
            }

            writer.WritePropertyName(field.JsonName);
            try
            {
                WriteFieldValue(field, value, writer, depth);
            }
            catch (ProtoJsonException ex)
            {
                ex.PrependMember(field.JsonName);
                throw;
            }
        }
    }

    /// <summary>
    /// Reads the wire form: per field (by declaration index), the last value of a singular scalar, the concatenated
    /// bytes of a singular message (concatenation is protobuf's merge), or the list of a repeated field's values.
    /// </summary>
    private static object?[] Collect(MessageDescriptor message, ReadOnlyMemory<byte> data)
    {
        var values = new object?[message.Fields.InDeclarationOrder().Count];
        var input = new CodedInputStream(data.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = message.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field is null || field.FieldType == FieldType.Group)
            {
                input.SkipLastField(); // an unknown field: a newer sender's, ignored as protobuf readers do
                continue;
            }

            var wireType = WireFormat.GetTagWireType(tag);
            if (field.IsRepeated)
            {
                var list = values[field.Index] as List<object> ?? [];
                values[field.Index] = list;
                if (wireType == WireFormat.WireType.LengthDelimited && IsPackable(field))
                {
                    var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd)
                    {
                        list.Add(ReadScalar(field, packed));
                    }
                }
                else
                {
                    CheckWireType(field, wireType);
                    list.Add(field.FieldType == FieldType.Message ? input.ReadBytes() : ReadScalar(field, input));
                }

                continue;
            }

            CheckWireType(field, wireType);
            if (field.FieldType == FieldType.Message)
            {
                var bytes = input.ReadBytes();
                values[field.Index] = values[field.Index] is ByteString earlier ? ByteString.CopyFrom([.. earlier.Span, .. bytes.Span]) : bytes;
            }
            else
            {
                values[field.Index] = ReadScalar(field, input);
            }
        }

        return values;
    }

    private static bool IsPackable(FieldDescriptor field) =>
        field.FieldType is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);

    private static void CheckWireType(FieldDescriptor field, WireFormat.WireType wireType)
    {
        var expected = field.FieldType == FieldType.Message ? WireFormat.WireType.LengthDelimited : WireTypes.Of(field.FieldType);
        if (wireType != expected)
        {
            throw new ProtoJsonException($"field {field.FieldNumber} of {field.ContainingType.FullName} came with wire type {wireType}, not {expected}");
        }
    }

    private static object ReadScalar(FieldDescriptor field, CodedInputStream input) => field.FieldType switch
    {
        FieldType.Double => input.ReadDouble(),
        FieldType.Float => input.ReadFloat(),
        FieldType.Int64 => input.ReadInt64(),
        FieldType.UInt64 => input.ReadUInt64(),
        FieldType.Int32 => (long)input.ReadInt32(),
        FieldType.Fixed64 => input.ReadFixed64(),
        FieldType.Fixed32 => (ulong)input.ReadFixed32(),
        FieldType.Bool => input.ReadBool(),
        FieldType.String => input.ReadString(),
        FieldType.Bytes => input.ReadBytes(),
        FieldType.UInt32 => (ulong)input.ReadUInt32(),
        FieldType.Enum => input.ReadEnum(),
        FieldType.SFixed32 => (long)input.ReadSFixed32(),
        FieldType.SFixed64 => input.ReadSFixed64(),
        FieldType.SInt32 => (long)input.ReadSInt32(),
        FieldType.SInt64 => input.ReadSInt64(),
        _ => throw new ProtoJsonException($"fields of type {field.FieldType} are not supported"),
    };

    private static object DefaultOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Int64 or FieldType.Int32 or FieldType.SFixed32 or FieldType.SFixed64 or FieldType.SInt32 or FieldType.SInt64 => 0L,
        FieldType.UInt64 or FieldType.Fixed64 or FieldType.Fixed32 or FieldType.UInt32 => 0UL,
        FieldType.Bool => false,
        FieldType.String => "",
        FieldType.Bytes => ByteString.Empty,
        FieldType.Enum => 0,
        _ => ByteString.Empty,
    };

    private static bool IsDefault(FieldDescriptor field, object value) => value switch
    {
        double d => d == 0 && !double.IsNegative(d),
        float f => f == 0 && !float.IsNegative(f),
        long l => l == 0,
        ulong u => u == 0,
        int e => e == 0,
        bool b => !b,
        string s => s.Length == 0,
        ByteString bytes => field.FieldType == FieldType.Bytes && bytes.Length == 0,
        _ => false,
    };

    private void WriteFieldValue(FieldDescriptor field, object value, Utf8JsonWriter writer, int depth)
    {
        if (field.IsMap)
        {
            WriteMap(field, (List<object>)value, writer, depth);
            return;
        }

        if (field.IsRepeated)
        {
            writer.WriteStartArray();
            var index = 0;
            foreach (var item in (List<object>)value)
            {
                try
                {
                    WriteSingle(field, item, writer, depth);
                }
                catch (ProtoJsonException ex)
                {
                    ex.PrependIndex(index.ToString(CultureInfo.InvariantCulture));
                    throw;
                }

                index++;
            }

            writer.WriteEndArray();
            return;
        }

        WriteSingle(field, value, writer, depth);
    }

    private void WriteSingle(FieldDescriptor field, object value, Utf8JsonWriter writer, int depth)
    {
        if (field.FieldType == FieldType.Message)
        {
            WriteMessage(field.MessageType, ((ByteString)value).Memory, writer, depth + 1);
        }
        else
        {
            WriteScalar(field, value, writer);
        }
    }

    private void WriteMap(FieldDescriptor field, List<object> entries, Utf8JsonWriter writer, int depth)
    {
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        var map = new OrderedDictionary<string, object>(StringComparer.Ordinal);
        foreach (ByteString entry in entries)
        {
            var values = Collect(field.MessageType, entry.Memory);
            var key = values[keyField.Index] ?? DefaultOf(keyField);
            map[key switch
            {
                bool b => b ? "true" : "false",
                long l => l.ToString(CultureInfo.InvariantCulture),
                ulong u => u.ToString(CultureInfo.InvariantCulture),
                _ => (string)key,
            }] = values[valueField.Index] ?? DefaultOf(valueField); // a later entry with the same key wins
        }

        writer.WriteStartObject();
        foreach (var (key, value) in map)
        {
            writer.WritePropertyName(key);
            try
            {
                WriteSingle(valueField, value, writer, depth);
            }
            catch (ProtoJsonException ex)
            {
                ex.PrependIndex(key);
                throw;
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteScalar(FieldDescriptor field, object value, Utf8JsonWriter writer)
    {
        switch (value)
        {
            case int number when field.FieldType == FieldType.Enum:
                if (field.EnumType.FullName == WellKnownTypes.NullValue)
                {
                    writer.WriteNullValue();
                }
                else if (field.EnumType.FindValueByNumber(number) is { } named)
                {
                    writer.WriteStringValue(named.Name);
                }
                else
                {
                    writer.WriteNumberValue(number);
                }

                break;
            case long number when field.FieldType is FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture)); // 64-bit integers are strings in JSON
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case ulong number when field.FieldType is FieldType.UInt64 or FieldType.Fixed64:
                writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case float number when float.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case double or float:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                writer.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case ByteString bytes:
                writer.WriteBase64StringValue(bytes.Span);
                break;
            default:
                throw new ProtoJsonException($"unexpected value for field {field.Name}");
        }
    }

    private void WriteWellKnown(MessageDescriptor message, ReadOnlyMemory<byte> data, Utf8JsonWriter writer, int depth)
    {
        var values = Collect(message, data);
        object? Field(int number) => values[message.FindFieldByNumber(number).Index];
        switch (message.FullName)
        {
            case WellKnownTypes.Timestamp:
                writer.WriteStringValue(WellKnownTypes.FormatTimestamp((long?)Field(1) ?? 0, (int)((long?)Field(2) ?? 0))
                    ?? throw new ProtoJsonException("a Timestamp out of range (years 1 to 9999)"));
                return;
            case WellKnownTypes.Duration:
                writer.WriteStringValue(WellKnownTypes.FormatDuration((long?)Field(1) ?? 0, (int)((long?)Field(2) ?? 0))
                    ?? throw new ProtoJsonException("a Duration out of range (±10,000 years, seconds and nanos of one sign)"));
                return;
            case WellKnownTypes.FieldMask:
                var paths = Field(1) as List<object> ?? [];
                writer.WriteStringValue(string.Join(',', paths.Select(p => WellKnownTypes.ToCamelPath((string)p))));
                return;
            case WellKnownTypes.Empty:
                writer.WriteStartObject();
                writer.WriteEndObject();
                return;
            case WellKnownTypes.Struct:
                WriteMap(message.FindFieldByNumber(1), Field(1) as List<object> ?? [], writer, depth);
                return;
            case WellKnownTypes.ListValue:
                WriteFieldValue(message.FindFieldByNumber(1), Field(1) as List<object> ?? [], writer, depth);
                return;
            case WellKnownTypes.Value:
                WriteValue(message, values, writer, depth);
                return;
            case WellKnownTypes.Any:
                WriteAny((string?)Field(1) ?? "", Field(2) as ByteString ?? ByteString.Empty, writer, depth);
                return;
            default: // a wrapper: the wrapped value, even when it is the default
                var inner = message.FindFieldByNumber(1);
                WriteScalar(inner, Field(1) ?? DefaultOf(inner), writer);
                return;
        }
    }

    private void WriteValue(MessageDescriptor message, object?[] values, Utf8JsonWriter writer, int depth)
    {
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            if (values[field.Index] is not { } value)
            {
                continue;
            }

            switch (field.FieldNumber)
            {
                case 1:
                    writer.WriteNullValue();
                    return;
                case 2 when value is double number && !double.IsFinite(number):
                    throw new ProtoJsonException("a Value holds NaN or an infinity, which JSON cannot carry");
                case 2 or 3 or 4:
                    WriteScalar(field, value, writer);
                    return;
                default:
                    WriteSingle(field, value, writer, depth);
                    return;
            }
        }

        writer.WriteNullValue(); // a Value with no kind set
    }

    private void WriteAny(string typeUrl, ByteString value, Utf8JsonWriter writer, int depth)
    {
        writer.WriteStartObject();
        if (typeUrl.Length == 0)
        {
            writer.WriteEndObject();
            return;
        }

        writer.WriteString("@type", typeUrl);
        var type = schema.FindMessage(typeUrl[(typeUrl.LastIndexOf('/') + 1)..]);
        if (type is null)
        {
            // Not in the descriptor set: the bytes as they came, so nothing is lost (docs/protocols.md#transcoding).
            writer.WriteBase64String("value", value.Span);
        }
        else if (WellKnownTypes.IsSpecial(type.FullName))
        {
            writer.WritePropertyName("value");
            WriteMessage(type, value.Memory, writer, depth + 1);
        }
        else
        {
            WriteFields(type, value.Memory, writer, depth + 1);
        }

        writer.WriteEndObject();
    }
}
