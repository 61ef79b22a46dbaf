using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>
/// Encodes JSON as a protobuf message, driven by the message's descriptor, per the proto3 JSON mapping
/// (https://protobuf.dev/programming-guides/json/): members by lowerCamelCase or original name, enums by name or
/// number, 64-bit integers as numbers or strings, bytes as standard or URL-safe base64, the well-known types in their
/// own forms, <c>null</c> as the default value. Anything else (an unknown member, a wrong type, two members of one
/// oneof) is an error naming the field. Output is canonical: default values of fields without presence are left out,
/// packable repeated fields are packed when the descriptor says so.
/// </summary>
internal sealed class JsonToProto(ProtoSchema schema)
{
    /// <summary>
    /// The buffer of each CodedOutputStream over a nested message's scratch stream. Nested messages are mostly small;
    /// the library's default (4 KiB) would be allocated per nested message, packed field and map entry of every request.
    /// </summary>
    private const int ScratchBufferSize = 256;

    /// <summary>Encodes <paramref name="json"/> as <paramref name="message"/>; null with <paramref name="error"/> naming the field otherwise.</summary>
    public byte[]? Encode(MessageDescriptor message, JsonElement json, out string? error)
    {
        try
        {
            error = null;
            return EncodeMessage(message, json);
        }
        catch (ProtoJsonException ex)
        {
            error = ex.Describe();
            return null;
        }
    }

    /// <summary>Writes the fields of <paramref name="json"/> as <paramref name="message"/> to <paramref name="output"/>; false with <paramref name="error"/> naming the field otherwise.</summary>
    public bool TryWriteMessage(MessageDescriptor message, JsonElement json, CodedOutputStream output, out string? error)
    {
        try
        {
            error = null;
            WriteMessage(message, json, output);
            return true;
        }
        catch (ProtoJsonException ex)
        {
            error = ex.Describe();
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="output"/> as the field reached through
    /// <paramref name="path"/> (each field but the last a singular message field), as one more element of a repeated
    /// field. Appended after a message's other fields, it overrides them: that is how path variables and query
    /// parameters set fields beside a request body (a later singular field wins, a later message merges).
    /// </summary>
    public bool TryWriteAt(IReadOnlyList<FieldDescriptor> path, JsonElement value, CodedOutputStream output, out string? error)
    {
        try
        {
            error = null;
            WriteAt(path, 0, value, output);
            return true;
        }
        catch (ProtoJsonException ex)
        {
            ex.PrependMember(string.Join('.', path.Select(f => f.JsonName)));
            error = ex.Describe();
            return false;
        }
    }

    /// <summary>True when a path or query value for <paramref name="field"/> can go through <see cref="WriteStringAt"/>.</summary>
    public static bool IsPlainString(FieldDescriptor field) => field.FieldType == FieldType.String && !field.IsMap;

    /// <summary>
    /// Writes <paramref name="text"/> as the string field at the end of <paramref name="path"/> (see
    /// <see cref="IsPlainString"/>), each enclosing message written as a tag and a length computed beforehand: the same
    /// bytes <see cref="TryWriteAt"/> writes for a JSON string, without a JSON value or a buffer per level. Path variables
    /// are nearly always strings (resource names), and this is the per-call path of every such request.
    /// </summary>
    public static void WriteStringAt(IReadOnlyList<FieldDescriptor> path, string text, CodedOutputStream output)
    {
        var last = path.Count - 1;
        Span<int> lengths = path.Count <= 16 ? stackalloc int[path.Count] : new int[path.Count];
        var payload = CodedOutputStream.ComputeStringSize(text); // the innermost field's value, its length prefix included
        for (var i = last - 1; i >= 0; i--)
        {
            // The embedded message of path[i] holds the next field: its tag and its value.
            lengths[i] = CodedOutputStream.ComputeTagSize(path[i + 1].FieldNumber) + payload;
            payload = CodedOutputStream.ComputeLengthSize(lengths[i]) + lengths[i];
        }

        for (var i = 0; i < last; i++)
        {
            output.WriteTag(path[i].FieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteLength(lengths[i]);
        }

        output.WriteTag(path[last].FieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteString(text);
    }

    /// <summary>
    /// Writes <paramref name="value"/> as field <paramref name="field"/> (an array or object for repeated and map fields).
    /// Errors name fields from inside the value when <paramref name="fromValue"/> (the value is a whole request body),
    /// otherwise from the field.
    /// </summary>
    public bool TryWriteField(FieldDescriptor field, JsonElement value, CodedOutputStream output, out string? error, bool fromValue = false)
    {
        try
        {
            error = null;
            WriteField(field, value, output);
            return true;
        }
        catch (ProtoJsonException ex)
        {
            if (!fromValue)
            {
                ex.PrependMember(field.JsonName);
            }

            error = ex.Describe();
            return false;
        }
    }

    private void WriteAt(IReadOnlyList<FieldDescriptor> path, int index, JsonElement value, CodedOutputStream output)
    {
        var field = path[index];
        if (index == path.Count - 1)
        {
            if (field.IsMap)
            {
                throw new ProtoJsonException("a map field cannot be set from a path or query parameter");
            }

            if (value.ValueKind != JsonValueKind.Null)
            {
                WriteSingle(field, value, output, omitDefault: false);
            }

            return;
        }

        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer, ScratchBufferSize, leaveOpen: true);
        WriteAt(path, index + 1, value, inner);
        inner.Flush();
        output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)));
    }

    private byte[] EncodeMessage(MessageDescriptor message, JsonElement json)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, ScratchBufferSize, leaveOpen: true);
        WriteMessage(message, json, output);
        output.Flush();
        return buffer.ToArray();
    }

    private void WriteMessage(MessageDescriptor message, JsonElement json, CodedOutputStream output)
    {
        var name = message.FullName;
        if (WellKnownTypes.IsSpecial(name))
        {
            WriteWellKnown(message, json, output);
            return;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new ProtoJsonException($"expected a JSON object for {name}, found {Kind(json)}");
        }

        var count = message.Fields.InFieldNumberOrder().Count;
        Span<bool> seen = count <= 128 ? stackalloc bool[count] : new bool[count];
        var oneofCount = message.Oneofs.Count;
        Span<int> oneofSetBy = oneofCount <= 16 ? stackalloc int[oneofCount] : new int[oneofCount];
        oneofSetBy.Fill(-1);
        foreach (var member in json.EnumerateObject())
        {
            var field = schema.FindField(message, member.Name);
            if (field is null)
            {
                var unknown = new ProtoJsonException($"unknown field: {name} has no field '{member.Name}'");
                unknown.PrependMember(member.Name);
                throw unknown;
            }

            if (seen[field.Index])
            {
                var twice = new ProtoJsonException("set twice (by its JSON name and its original name)");
                twice.PrependMember(member.Name);
                throw twice;
            }

            seen[field.Index] = true;
            if (member.Value.ValueKind == JsonValueKind.Null && !AcceptsNull(field))
            {
                continue; // null is the field's default value
            }

            if (field.RealContainingOneof is { } oneof)
            {
                if (oneofSetBy[oneof.Index] is var other and >= 0)
                {
                    var both = new ProtoJsonException($"'{message.Fields.InDeclarationOrder()[other].JsonName}' is set too, and both are in oneof '{oneof.Name}'");
                    both.PrependMember(member.Name);
                    throw both;
                }

                oneofSetBy[oneof.Index] = field.Index;
            }

            try
            {
                WriteField(field, member.Value, output);
            }
            catch (ProtoJsonException ex)
            {
                ex.PrependMember(member.Name);
                throw;
            }
        }
    }

    private static bool AcceptsNull(FieldDescriptor field) =>
        !field.IsRepeated
        && ((field.FieldType == FieldType.Message && field.MessageType.FullName == WellKnownTypes.Value)
            || (field.FieldType == FieldType.Enum && field.EnumType.FullName == WellKnownTypes.NullValue));

    private void WriteField(FieldDescriptor field, JsonElement value, CodedOutputStream output)
    {
        if (field.IsMap)
        {
            WriteMap(field, value, output);
            return;
        }

        if (!field.IsRepeated)
        {
            WriteSingle(field, value, output, omitDefault: !field.HasPresence);
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ProtoJsonException($"expected a JSON array, found {Kind(value)}");
        }

        if (field.IsPacked && field.FieldType is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group))
        {
            using var buffer = new MemoryStream();
            var packed = new CodedOutputStream(buffer, ScratchBufferSize, leaveOpen: true);
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                try
                {
                    NotNull(item);
                    WriteScalar(field, item, packed);
                }
                catch (ProtoJsonException ex)
                {
                    ex.PrependIndex(i.ToString(CultureInfo.InvariantCulture));
                    throw;
                }

                i++;
            }

            packed.Flush();
            if (buffer.Length > 0)
            {
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)));
            }

            return;
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            try
            {
                if (field.FieldType != FieldType.Message || field.MessageType.FullName != WellKnownTypes.Value)
                {
                    NotNull(item);
                }

                WriteSingle(field, item, output, omitDefault: false);
            }
            catch (ProtoJsonException ex)
            {
                ex.PrependIndex(index.ToString(CultureInfo.InvariantCulture));
                throw;
            }

            index++;
        }
    }

    private static void NotNull(JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.Null)
        {
            throw new ProtoJsonException("null is not allowed in a repeated field");
        }
    }

    private void WriteMap(FieldDescriptor field, JsonElement value, CodedOutputStream output)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ProtoJsonException($"expected a JSON object for a map, found {Kind(value)}");
        }

        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        foreach (var member in value.EnumerateObject())
        {
            try
            {
                using var buffer = new MemoryStream();
                var entry = new CodedOutputStream(buffer, ScratchBufferSize, leaveOpen: true);
                WriteMapKey(keyField, member.Name, entry);
                if (member.Value.ValueKind == JsonValueKind.Null && !AcceptsNull(valueField))
                {
                    throw new ProtoJsonException("null is not allowed as a map value");
                }

                // As the generated serializers do, an entry leaves out a key or scalar value that is the default.
                WriteSingle(valueField, member.Value, entry, omitDefault: true);
                entry.Flush();
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)));
            }
            catch (ProtoJsonException ex)
            {
                ex.PrependIndex(member.Name);
                throw;
            }
        }
    }

    private static void WriteMapKey(FieldDescriptor keyField, string key, CodedOutputStream output)
    {
        if (key is "" or "0" or "false")
        {
            if (keyField.FieldType == FieldType.Bool && key != "false")
            {
                throw new ProtoJsonException($"map key '{key}' is not 'true' or 'false'");
            }

            if (keyField.FieldType == FieldType.String ? key.Length == 0 : key.Length > 0)
            {
                return; // the default key is left out of the entry
            }
        }

        output.WriteTag(keyField.FieldNumber, WireTypes.Of(keyField.FieldType));
        switch (keyField.FieldType)
        {
            case FieldType.String:
                output.WriteString(key);
                return;
            case FieldType.Bool when key is "true" or "false":
                output.WriteBool(key == "true");
                return;
            case FieldType.Bool:
                throw new ProtoJsonException($"map key '{key}' is not 'true' or 'false'");
            default:
                using (var document = JsonDocument.Parse(JsonSerializer.Serialize(key)))
                {
                    WriteScalarValue(keyField, document.RootElement, output);
                }

                return;
        }
    }

    /// <summary>One value of <paramref name="field"/> with its tag: a scalar, an enum or a message.</summary>
    private void WriteSingle(FieldDescriptor field, JsonElement value, CodedOutputStream output, bool omitDefault)
    {
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            if (field.FieldType == FieldType.Group)
            {
                throw new ProtoJsonException("groups are not supported");
            }

            var bytes = EncodeMessage(field.MessageType, value);
            output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(bytes));
            return;
        }

        if (omitDefault && IsDefault(field, value))
        {
            // Canonical proto3: a field without presence that holds its default value is not written.
            return;
        }

        output.WriteTag(field.FieldNumber, WireTypes.Of(field.FieldType));
        WriteScalar(field, value, output);
    }

    private static bool IsDefault(FieldDescriptor field, JsonElement value) => field.FieldType switch
    {
        FieldType.String => value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0,
        FieldType.Bytes => value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0,
        FieldType.Bool => value.ValueKind == JsonValueKind.False,
        FieldType.Enum => (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n == 0)
            || (value.ValueKind == JsonValueKind.String && field.EnumType.FindValueByName(value.GetString()!) is { Number: 0 })
            || value.ValueKind == JsonValueKind.Null,
        // Numbers may come as JSON numbers or strings ("0" for a 64-bit zero); -0.0 is not the default double.
        _ => (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d == 0 && !double.IsNegative(d))
            || (value.ValueKind == JsonValueKind.String
                && double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d == 0 && !double.IsNegative(d)),
    };

    private static void WriteScalar(FieldDescriptor field, JsonElement value, CodedOutputStream output) => WriteScalarValue(field, value, output);

    private static void WriteScalarValue(FieldDescriptor field, JsonElement value, CodedOutputStream output)
    {
        switch (field.FieldType)
        {
            case FieldType.Double:
                output.WriteDouble(ReadDouble(value, isFloat: false));
                break;
            case FieldType.Float:
                output.WriteFloat((float)ReadDouble(value, isFloat: true));
                break;
            case FieldType.Int64:
                output.WriteInt64(ReadInteger(value, long.MinValue, long.MaxValue));
                break;
            case FieldType.SInt64:
                output.WriteSInt64(ReadInteger(value, long.MinValue, long.MaxValue));
                break;
            case FieldType.SFixed64:
                output.WriteSFixed64(ReadInteger(value, long.MinValue, long.MaxValue));
                break;
            case FieldType.UInt64:
                output.WriteUInt64(ReadUnsigned(value, ulong.MaxValue));
                break;
            case FieldType.Fixed64:
                output.WriteFixed64(ReadUnsigned(value, ulong.MaxValue));
                break;
            case FieldType.Int32:
                output.WriteInt32((int)ReadInteger(value, int.MinValue, int.MaxValue));
                break;
            case FieldType.SInt32:
                output.WriteSInt32((int)ReadInteger(value, int.MinValue, int.MaxValue));
                break;
            case FieldType.SFixed32:
                output.WriteSFixed32((int)ReadInteger(value, int.MinValue, int.MaxValue));
                break;
            case FieldType.UInt32:
                output.WriteUInt32((uint)ReadUnsigned(value, uint.MaxValue));
                break;
            case FieldType.Fixed32:
                output.WriteFixed32((uint)ReadUnsigned(value, uint.MaxValue));
                break;
            case FieldType.Bool:
                output.WriteBool(value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new ProtoJsonException($"expected true or false, found {Kind(value)}"),
                });
                break;
            case FieldType.String:
                output.WriteString(value.ValueKind == JsonValueKind.String
                    ? value.GetString()!
                    : throw new ProtoJsonException($"expected a string, found {Kind(value)}"));
                break;
            case FieldType.Bytes:
                output.WriteBytes(ByteString.CopyFrom(ReadBase64(value)));
                break;
            case FieldType.Enum:
                output.WriteEnum(ReadEnum(field.EnumType, value));
                break;
            default:
                throw new ProtoJsonException($"fields of type {field.FieldType} are not supported");
        }
    }

    private static int ReadEnum(EnumDescriptor type, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null && type.FullName == WellKnownTypes.NullValue)
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (type.FindValueByName(text) is { } named)
            {
                return named.Number;
            }

            throw new ProtoJsonException($"'{text}' is not a value of enum {type.FullName}");
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number; // proto3 enums are open: an unknown number is kept
        }

        throw new ProtoJsonException($"expected an enum name or number of {type.FullName}, found {Kind(value)}");
    }

    private static long ReadInteger(JsonElement value, long min, long max)
    {
        long result;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetInt64(out result))
            {
                if (!value.TryGetDouble(out var d) || d != Math.Floor(d) || d < min || d >= AboveMax(max))
                {
                    throw new ProtoJsonException($"{value.GetRawText()} is not an integer in range");
                }

                result = (long)d;
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            if (!long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
            {
                throw new ProtoJsonException($"'{value.GetString()}' is not an integer in range");
            }
        }
        else
        {
            throw new ProtoJsonException($"expected an integer (a number or a string), found {Kind(value)}");
        }

        if (result < min || result > max)
        {
            throw new ProtoJsonException($"{result} is out of range ({min} to {max})");
        }

        return result;
    }

    private static ulong ReadUnsigned(JsonElement value, ulong max)
    {
        ulong result;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetUInt64(out result))
            {
                if (!value.TryGetDouble(out var d) || d != Math.Floor(d) || d < 0 || d >= AboveMax(max))
                {
                    throw new ProtoJsonException($"{value.GetRawText()} is not an unsigned integer in range");
                }

                result = (ulong)d;
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            if (!ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out result))
            {
                throw new ProtoJsonException($"'{value.GetString()}' is not an unsigned integer in range");
            }
        }
        else
        {
            throw new ProtoJsonException($"expected an unsigned integer (a number or a string), found {Kind(value)}");
        }

        if (result > max)
        {
            throw new ProtoJsonException($"{result} is out of range (0 to {max})");
        }

        return result;
    }

    // The least whole double above the range's maximum. long.MaxValue and ulong.MaxValue have no double of their own:
    // as doubles they round up to 2^63 and 2^64, which "d > max" would let through and the conversion would then
    // silently clamp to the maximum; those ends are refused instead. Smaller maxima are exact, and the next whole number up.
    private static double AboveMax(double max) => max + 1;

    private static double ReadDouble(JsonElement value, bool isFloat)
    {
        double result;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetDouble(out result) || double.IsInfinity(result))
            {
                throw new ProtoJsonException($"{value.GetRawText()} is out of range");
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            result = text switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
                    ? parsed
                    : throw new ProtoJsonException($"'{text}' is not a number"),
            };
        }
        else
        {
            throw new ProtoJsonException($"expected a number, found {Kind(value)}");
        }

        if (isFloat && double.IsFinite(result) && Math.Abs(result) > float.MaxValue)
        {
            throw new ProtoJsonException($"{result.ToString(CultureInfo.InvariantCulture)} is out of range for a float");
        }

        return result;
    }

    private static byte[] ReadBase64(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ProtoJsonException($"expected a base64 string, found {Kind(value)}");
        }

        var text = value.GetString()!.Replace('-', '+').Replace('_', '/');
        if (text.Length % 4 != 0)
        {
            text = text.PadRight(text.Length + (4 - (text.Length % 4)), '=');
        }

        var bytes = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, bytes, out var written)
            ? bytes.AsSpan(0, written).ToArray()
            : throw new ProtoJsonException("not base64 (standard or URL-safe)");
    }

    private void WriteWellKnown(MessageDescriptor message, JsonElement json, CodedOutputStream output)
    {
        switch (message.FullName)
        {
            case WellKnownTypes.Timestamp:
                if (json.ValueKind != JsonValueKind.String || !WellKnownTypes.TryParseTimestamp(json.GetString()!, out var seconds, out var nanos))
                {
                    throw new ProtoJsonException($"expected an RFC 3339 timestamp such as \"2024-01-31T12:00:00Z\", found {Kind(json)}");
                }

                WriteSecondsAndNanos(seconds, nanos, output);
                return;
            case WellKnownTypes.Duration:
                if (json.ValueKind != JsonValueKind.String || !WellKnownTypes.TryParseDuration(json.GetString()!, out seconds, out nanos))
                {
                    throw new ProtoJsonException($"expected a duration such as \"1.5s\", found {Kind(json)}");
                }

                WriteSecondsAndNanos(seconds, nanos, output);
                return;
            case WellKnownTypes.FieldMask:
                if (json.ValueKind != JsonValueKind.String)
                {
                    throw new ProtoJsonException($"expected a field mask string such as \"name,address.city\", found {Kind(json)}");
                }

                foreach (var path in json.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    output.WriteString(WellKnownTypes.ToSnakePath(path) ?? throw new ProtoJsonException($"'{path}' is not a lowerCamelCase field path"));
                }

                return;
            case WellKnownTypes.Empty:
                if (json.ValueKind != JsonValueKind.Object || json.EnumerateObject().Any())
                {
                    throw new ProtoJsonException($"expected {{}} for google.protobuf.Empty, found {Kind(json)}");
                }

                return;
            case WellKnownTypes.Struct:
                if (json.ValueKind != JsonValueKind.Object)
                {
                    throw new ProtoJsonException($"expected a JSON object for google.protobuf.Struct, found {Kind(json)}");
                }

                WriteMap(message.FindFieldByNumber(1), json, output);
                return;
            case WellKnownTypes.ListValue:
                if (json.ValueKind != JsonValueKind.Array)
                {
                    throw new ProtoJsonException($"expected a JSON array for google.protobuf.ListValue, found {Kind(json)}");
                }

                WriteField(message.FindFieldByNumber(1), json, output);
                return;
            case WellKnownTypes.Value:
                WriteValue(message, json, output);
                return;
            case WellKnownTypes.Any:
                WriteAny(json, output);
                return;
            default: // a wrapper: its JSON is the wrapped value, and a present wrapper may hold the default
                WriteSingle(message.FindFieldByNumber(1), json, output, omitDefault: true);
                return;
        }
    }

    private void WriteValue(MessageDescriptor value, JsonElement json, CodedOutputStream output)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Null:
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteEnum(0);
                break;
            case JsonValueKind.Number:
                output.WriteTag(2, WireFormat.WireType.Fixed64);
                output.WriteDouble(json.GetDouble());
                break;
            case JsonValueKind.String:
                output.WriteTag(3, WireFormat.WireType.LengthDelimited);
                output.WriteString(json.GetString()!);
                break;
            case JsonValueKind.True or JsonValueKind.False:
                output.WriteTag(4, WireFormat.WireType.Varint);
                output.WriteBool(json.ValueKind == JsonValueKind.True);
                break;
            case JsonValueKind.Object:
                WriteSingle(value.FindFieldByNumber(5), json, output, omitDefault: false);
                break;
            default:
                WriteSingle(value.FindFieldByNumber(6), json, output, omitDefault: false);
                break;
        }
    }

    private void WriteAny(JsonElement json, CodedOutputStream output)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new ProtoJsonException($"expected a JSON object with \"@type\" for google.protobuf.Any, found {Kind(json)}");
        }

        if (!json.TryGetProperty("@type", out var typeUrl) || typeUrl.ValueKind != JsonValueKind.String)
        {
            if (!json.EnumerateObject().Any())
            {
                return; // {} is the empty Any
            }

            throw new ProtoJsonException("a google.protobuf.Any needs a \"@type\" string");
        }

        var url = typeUrl.GetString()!;
        var type = schema.FindMessage(url[(url.LastIndexOf('/') + 1)..])
            ?? throw new ProtoJsonException($"type '{url}' of the Any is not in the descriptor set");
        byte[] bytes;
        if (WellKnownTypes.IsSpecial(type.FullName))
        {
            if (!json.TryGetProperty("value", out var inner))
            {
                throw new ProtoJsonException($"an Any of {type.FullName} holds its JSON in \"value\"");
            }

            bytes = EncodeMessage(type, inner);
        }
        else
        {
            using var buffer = new MemoryStream();
            var fields = new CodedOutputStream(buffer, ScratchBufferSize, leaveOpen: true);
            using (var withoutType = WithoutMember(json, "@type"))
            {
                WriteMessage(type, withoutType.RootElement, fields);
            }

            fields.Flush();
            bytes = buffer.ToArray();
        }

        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString(url);
        if (bytes.Length > 0)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(bytes));
        }
    }

    private static JsonDocument WithoutMember(JsonElement json, string name)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var member in json.EnumerateObject())
            {
                if (member.Name != name)
                {
                    member.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.ToArray());
    }

    private static void WriteSecondsAndNanos(long seconds, int nanos, CodedOutputStream output)
    {
        if (seconds != 0)
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt64(seconds);
        }

        if (nanos != 0)
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt32(nanos);
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
