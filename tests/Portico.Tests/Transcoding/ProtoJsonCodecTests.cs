using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Portico.Tests.Transcoding.Proto;
using Portico.Transcoding;

namespace Portico.Tests.Transcoding;

/// <summary>
/// The descriptor-driven codec against the classes Grpc.Tools generates from the same .proto (the oracle), field type
/// by field type: protobuf bytes → codec JSON must equal Google.Protobuf's JSON and parse back to the same message;
/// Google.Protobuf's JSON (camelCase, original names, enums as numbers) → codec bytes must parse to the same message.
/// </summary>
public sealed class ProtoJsonCodecTests
{
    private static readonly Google.Protobuf.Reflection.MessageDescriptor EverythingType =
        TestSchema.Schema.FindMessage("portico.test.transcoding.v1.Everything")!;

    /// <summary>One message per field shape, named by what it holds.</summary>
    public static readonly Dictionary<string, Func<Everything>> Cases = new()
    {
        ["double"] = () => new Everything { FDouble = -1234.5625 },
        ["double-tiny"] = () => new Everything { FDouble = 5e-324 },
        ["float"] = () => new Everything { FFloat = 3.25f },
        ["int64-beyond-2^53"] = () => new Everything { FInt64 = -9007199254740993 },
        ["uint64-max"] = () => new Everything { FUint64 = ulong.MaxValue },
        ["int32-negative"] = () => new Everything { FInt32 = int.MinValue },
        ["fixed64"] = () => new Everything { FFixed64 = 18446744073709551000 },
        ["fixed32"] = () => new Everything { FFixed32 = uint.MaxValue },
        ["bool"] = () => new Everything { FBool = true },
        ["string-unicode"] = () => new Everything { FString = "grüße \"quoted\" \u2028 😀" },
        ["bytes"] = () => new Everything { FBytes = ByteString.CopyFrom(0, 1, 0xfb, 0xff, 0x3e) },
        ["uint32"] = () => new Everything { FUint32 = 4000000000 },
        ["sfixed32"] = () => new Everything { FSfixed32 = -42 },
        ["sfixed64"] = () => new Everything { FSfixed64 = long.MinValue },
        ["sint32"] = () => new Everything { FSint32 = -7 },
        ["sint64"] = () => new Everything { FSint64 = -70000000000 },
        ["enum"] = () => new Everything { Color = Color.Green },
        ["enum-undeclared-number"] = () => new Everything { Color = (Color)7 },
        ["nested"] = () => new Everything { Nested = new Nested { Name = "a", Value = 2, Children = { new Nested { Name = "b" } } } },
        ["nested-empty"] = () => new Everything { Nested = new Nested() },
        ["optional-zero"] = () => new Everything { Maybe = 0 },
        ["oneof-string"] = () => new Everything { ChoiceText = "" },
        ["oneof-message"] = () => new Everything { ChoiceNested = new Nested { Value = 1 } },
        ["oneof-int64"] = () => new Everything { ChoiceNumber = 0 },
        ["repeated-packed"] = () => new Everything { PackedInts = { 1, -2, 300, 0 } },
        ["repeated-unpacked"] = () => new Everything { UnpackedInts = { 5, 0, -1 } },
        ["repeated-string"] = () => new Everything { Tags = { "x", "", "z" } },
        ["repeated-message"] = () => new Everything { Items = { new Nested { Name = "1" }, new Nested() } },
        ["repeated-enum"] = () => new Everything { Colors = { Color.Red, Color.Unspecified, (Color)9 } },
        ["repeated-double-special"] = () => new Everything { Doubles = { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1.5 } },
        ["repeated-int64"] = () => new Everything { Longs = { long.MaxValue, -1 } },
        ["map-string-int64"] = () => new Everything { Counts = { ["a"] = 1, ["b"] = -9007199254740993, ["zero"] = 0 } },
        ["map-int32-string"] = () => new Everything { Names = { [-1] = "minus", [10] = "" } },
        ["map-bool-message"] = () => new Everything { Flags = { [true] = new Nested { Name = "t" }, [false] = new Nested() } },
        ["map-string-enum"] = () => new Everything { Palette = { ["bg"] = Color.Red, ["fg"] = Color.Unspecified } },
        ["timestamp"] = () => new Everything { At = new Timestamp { Seconds = 1706702400, Nanos = 123000000 } },
        ["timestamp-nanos"] = () => new Everything { At = new Timestamp { Seconds = -1, Nanos = 1 } },
        ["timestamp-epoch"] = () => new Everything { At = new Timestamp() },
        ["duration"] = () => new Everything { Took = new Duration { Seconds = 1, Nanos = 500000000 } },
        ["duration-negative"] = () => new Everything { Took = new Duration { Seconds = -3, Nanos = -1000 } },
        ["wrapper-double"] = () => new Everything { WDouble = 0 },
        ["wrapper-float"] = () => new Everything { WFloat = 1.5f },
        ["wrapper-int64"] = () => new Everything { WInt64 = long.MinValue },
        ["wrapper-uint64"] = () => new Everything { WUint64 = 0 },
        ["wrapper-int32"] = () => new Everything { WInt32 = -5 },
        ["wrapper-uint32"] = () => new Everything { WUint32 = 5 },
        ["wrapper-bool"] = () => new Everything { WBool = false },
        ["wrapper-string"] = () => new Everything { WString = "" },
        ["wrapper-bytes"] = () => new Everything { WBytes = ByteString.CopyFromUtf8("hi") },
        ["struct"] = () => new Everything { Meta = Struct.Parser.ParseJson("""{"a":1,"b":[true,null,"x",{"c":{}}],"d":{"e":-2.5}}""") },
        ["value-null"] = () => new Everything { AnyValue = Value.ForNull() },
        ["value-list"] = () => new Everything { AnyValue = Value.ForList(Value.ForNumber(1), Value.ForString("s")) },
        ["listvalue"] = () => new Everything { List = ListValue.Parser.ParseJson("""[1,"two",[3],{"four":4}]""") },
        ["fieldmask"] = () => new Everything { Mask = new FieldMask { Paths = { "f_string", "nested.value", "snake_case_name" } } },
        ["any-message"] = () => new Everything { Extra = Any.Pack(new Nested { Name = "inside", Value = 3 }) },
        ["any-wellknown"] = () => new Everything { Extra = Any.Pack(new Timestamp { Seconds = 60 }) },
        ["any-struct"] = () => new Everything { Extra = Any.Pack(Struct.Parser.ParseJson("""{"k":"v"}""")) },
        ["empty"] = () => new Everything { Nothing = new Empty() },
        ["repeated-timestamp"] = () => new Everything { Times = { new Timestamp { Seconds = 1 }, new Timestamp { Seconds = 2, Nanos = 20000 } } },
        ["snake-case-name"] = () => new Everything { SnakeCaseName = "s" },
        ["defaults-only"] = () => new Everything { FInt32 = 0, FString = "", FBool = false, Color = Color.Unspecified },
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Write_GeneratedMessage_MatchesGoogleProtobufJson(string name)
    {
        var message = Cases[name]();
        var json = CodecJson(message.ToByteArray());

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(TestSchema.Formatter.Format(message)), JsonNode.Parse(json)),
            $"codec: {json}\noracle: {TestSchema.Formatter.Format(message)}");
        Assert.Equal(message, TestSchema.Parser.Parse<Everything>(json));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encode_GoogleProtobufJson_ParsesToSameMessage(string name)
    {
        var message = Cases[name]();

        Assert.Equal(message, Everything.Parser.ParseFrom(Encode(TestSchema.Formatter.Format(message))));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encode_OriginalNamesAndEnumNumbers_ParsesToSameMessage(string name)
    {
        var message = Cases[name]();
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(TestSchema.Types).WithPreserveProtoFieldNames(true).WithFormatEnumsAsIntegers(true));

        Assert.Equal(message, Everything.Parser.ParseFrom(Encode(formatter.Format(message))));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encode_GeneratedMessage_IsCanonicalBytes(string name)
    {
        // Default values are left out and packed fields packed, as the generated serializer does, so the codec's
        // bytes are the generated code's bytes (map and Struct order aside, which both keep as given here).
        var message = Cases[name]();

        Assert.Equal(message.ToByteArray(), Encode(TestSchema.Formatter.Format(message)));
    }

    [Fact]
    public void Write_Int64AndEnum_StringsAndNames()
    {
        var json = CodecJson(new Everything { FInt64 = 5, FUint64 = 6, FInt32 = 7, Color = Color.Red, Longs = { 8 } }.ToByteArray());

        Assert.Equal("""{"fInt64":"5","fUint64":"6","fInt32":7,"color":"RED","longs":["8"]}""", json);
    }

    [Fact]
    public void Write_DefaultValues_Omitted()
    {
        Assert.Equal("{}", CodecJson(new Everything { FInt32 = 0, FString = "", Color = Color.Unspecified }.ToByteArray()));
        // A field with presence is written even at its default.
        Assert.Equal("""{"maybe":0}""", CodecJson(new Everything { Maybe = 0 }.ToByteArray()));
    }

    [Fact]
    public void Write_PackedFieldSentUnpackedAndUnpackedSentPacked_BothRead()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var value in new[] { 1, 2 })
        {
            output.WriteTag(22, WireFormat.WireType.Varint); // packed_ints, one value per tag
            output.WriteInt32(value);
        }

        output.WriteTag(23, WireFormat.WireType.LengthDelimited); // unpacked_ints, sent packed
        output.WriteBytes(ByteString.CopyFrom(3, 4));
        output.Flush();

        var json = CodecJson(buffer.ToArray());

        Assert.Equal(new Everything { PackedInts = { 1, 2 }, UnpackedInts = { 3, 4 } }, TestSchema.Parser.Parse<Everything>(json));
    }

    [Fact]
    public void Write_SingularMessageTwice_Merged()
    {
        var first = new Everything { Nested = new Nested { Name = "a" } }.ToByteArray();
        var second = new Everything { Nested = new Nested { Value = 2 } }.ToByteArray();

        Assert.Equal("""{"nested":{"name":"a","value":2}}""", CodecJson([.. first, .. second]));
    }

    [Fact]
    public void Write_AnyOfTypeOutsideTheSet_TypeAndBase64()
    {
        var any = new Any { TypeUrl = "type.googleapis.com/other.Unknown", Value = ByteString.CopyFrom(1, 2, 3) };

        Assert.Equal("""{"extra":{"@type":"type.googleapis.com/other.Unknown","value":"AQID"}}""", CodecJson(new Everything { Extra = any }.ToByteArray()));
    }

    [Fact]
    public void Write_UnknownFieldNumber_Ignored()
    {
        var bytes = new Everything { FInt32 = 1 }.ToByteArray().Concat(new byte[] { 0xF8, 0x3E, 0x01 }).ToArray(); // field 999, varint 1

        Assert.Equal("""{"fInt32":1}""", CodecJson(bytes));
    }

    [Fact]
    public void Write_TruncatedMessage_ErrorNotException()
    {
        var bytes = new Everything { FString = "hello" }.ToByteArray()[..^2];
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream);

        Assert.False(new ProtoToJson(TestSchema.Schema).TryWrite(EverythingType, bytes, writer, out var error));
        Assert.Contains("Everything", error);
    }

    [Theory]
    [InlineData("""{"nested":{"nmae":"x"}}""", "field 'nested.nmae': unknown field")]
    [InlineData("""{"items":[{"name":"a"},{"value":"x"}]}""", "field 'items[1].value': 'x' is not an integer")]
    [InlineData("""{"fInt32":2147483648}""", "field 'fInt32': 2147483648 is out of range")]
    [InlineData("""{"fInt32":1.5}""", "field 'fInt32': 1.5 is not an integer")]
    [InlineData("""{"fInt64":9.223372036854775808e18}""", "field 'fInt64': 9.223372036854775808e18 is not an integer in range")] // 2^63: rounds to long.MaxValue's double
    [InlineData("""{"fUint64":1.8446744073709551616e19}""", "field 'fUint64': 1.8446744073709551616e19 is not an unsigned integer in range")] // 2^64
    [InlineData("""{"fUint32":-1}""", "field 'fUint32'")]
    [InlineData("""{"fBool":"true"}""", "field 'fBool': expected true or false, found a string")]
    [InlineData("""{"fString":5}""", "field 'fString': expected a string, found a number")]
    [InlineData("""{"fBytes":"***"}""", "field 'fBytes': not base64")]
    [InlineData("""{"color":"PURPLE"}""", "field 'color': 'PURPLE' is not a value of enum portico.test.transcoding.v1.Color")]
    [InlineData("""{"choiceText":"a","choiceNumber":"1"}""", "field 'choiceNumber': 'choiceText' is set too, and both are in oneof 'choice'")]
    [InlineData("""{"fString":"a","f_string":"b"}""", "field 'f_string': set twice")]
    [InlineData("""{"tags":"x"}""", "field 'tags': expected a JSON array")]
    [InlineData("""{"tags":["x",null]}""", "field 'tags[1]': null is not allowed")]
    [InlineData("""{"names":{"x":"y"}}""", "field 'names[x]': 'x' is not an integer")]
    [InlineData("""{"flags":{"yes":{}}}""", "field 'flags[yes]': map key 'yes' is not 'true' or 'false'")]
    [InlineData("""{"at":"2024-13-01T00:00:00Z"}""", "field 'at': expected an RFC 3339 timestamp")]
    [InlineData("""{"took":"5m"}""", "field 'took': expected a duration")]
    [InlineData("""{"mask":"a_b"}""", "field 'mask': 'a_b' is not a lowerCamelCase field path")]
    [InlineData("""{"extra":{"@type":"type.googleapis.com/no.Such"}}""", "field 'extra': type 'type.googleapis.com/no.Such' of the Any is not in the descriptor set")]
    [InlineData("""{"extra":{"@type":"type.googleapis.com/portico.test.transcoding.v1.Nested","nope":1}}""", "field 'extra.nope': unknown field")]
    [InlineData("""{"nothing":{"a":1}}""", "field 'nothing': expected {} for google.protobuf.Empty")]
    [InlineData("""{"fFloat":1e39}""", "field 'fFloat'")]
    [InlineData("""[]""", "expected a JSON object for portico.test.transcoding.v1.Everything, found an array")]
    public void Encode_InvalidJson_ErrorNamesField(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        var bytes = new JsonToProto(TestSchema.Schema).Encode(EverythingType, document.RootElement, out var error);

        Assert.Null(bytes);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Encode_LargestIntegersAsExponentNumbers_KeepTheirValues()
    {
        // The range's ends as doubles: -2^63 is long.MinValue exactly; one below 2^64 cannot be written as a double.
        var message = Everything.Parser.ParseFrom(Encode("""{"fInt64":-9.223372036854775808e18,"fUint64":1.8446744073709549568e19}"""));

        Assert.Equal(long.MinValue, message.FInt64);
        Assert.Equal(18446744073709549568UL, message.FUint64);
    }

    [Theory]
    [InlineData("""{"at":"2024-01-31T13:00:00.5+01:00"}""", 1706702400L, 500000000)]
    [InlineData("""{"at":"1970-01-01T00:00:00Z"}""", 0L, 0)]
    [InlineData("""{"at":"0001-01-01T00:00:00Z"}""", -62135596800L, 0)]
    public void Encode_TimestampWithOffset_Utc(string json, long seconds, int nanos)
    {
        Assert.Equal(new Timestamp { Seconds = seconds, Nanos = nanos }, Everything.Parser.ParseFrom(Encode(json)).At ?? new Timestamp());
    }

    [Fact]
    public void Encode_NumbersAsStringsAndNonFinite_Accepted()
    {
        var message = Everything.Parser.ParseFrom(Encode("""{"fInt32":"-5","fUint64":"18446744073709551615","fDouble":"Infinity","fFloat":"NaN","fInt64":1e3,"colors":[1,"GREEN"]}"""));

        Assert.Equal(-5, message.FInt32);
        Assert.Equal(ulong.MaxValue, message.FUint64);
        Assert.Equal(double.PositiveInfinity, message.FDouble);
        Assert.True(float.IsNaN(message.FFloat));
        Assert.Equal(1000, message.FInt64);
        Assert.Equal([Color.Red, Color.Green], message.Colors);
    }

    [Fact]
    public void Encode_NullMembers_DefaultValue()
    {
        var message = Everything.Parser.ParseFrom(Encode("""{"fString":null,"nested":null,"anyValue":null,"tags":null,"choiceText":null,"choiceNumber":"3"}"""));

        Assert.Equal(new Everything { AnyValue = Value.ForNull(), ChoiceNumber = 3 }, message);
    }

    [Fact]
    public void Encode_UrlSafeBase64WithoutPadding_Accepted()
    {
        Assert.Equal(ByteString.CopyFrom(0xfb, 0xff), Everything.Parser.ParseFrom(Encode("""{"fBytes":"-_8"}""")).FBytes);
    }

    [Theory]
    [InlineData("fString", "plain")]
    [InlineData("fString", "")]
    [InlineData("fString", "grüße 😀 a/b")]
    [InlineData("nested.name", "shelves/s/books/b")]
    [InlineData("choiceNested.name", "in a oneof")]
    [InlineData("tags", "one more")]
    public void WriteStringAt_PathToStringField_SameBytesAsTheJsonPath(string fieldPath, string text)
    {
        // The per-call shortcut for string path variables and query values against the general JSON route.
        var path = TranscodingCompiler.ResolveFieldPath(TestSchema.Schema, EverythingType, fieldPath, out var problem);
        Assert.True(path is not null, problem);
        Assert.True(JsonToProto.IsPlainString(path![^1]));
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(text));
        using var viaJson = new MemoryStream();
        var jsonOutput = new CodedOutputStream(viaJson);
        Assert.True(new JsonToProto(TestSchema.Schema).TryWriteAt(path, document.RootElement, jsonOutput, out var error), error);
        jsonOutput.Flush();
        using var direct = new MemoryStream();
        var directOutput = new CodedOutputStream(direct);

        JsonToProto.WriteStringAt(path, text, directOutput);
        directOutput.Flush();

        Assert.Equal(viaJson.ToArray(), direct.ToArray());
        Assert.NotEmpty(direct.ToArray()); // written even when empty, as a path value always is
    }

    private static byte[] Encode(string json)
    {
        using var document = JsonDocument.Parse(json);
        var bytes = new JsonToProto(TestSchema.Schema).Encode(EverythingType, document.RootElement, out var error);
        Assert.True(bytes is not null, error);
        return bytes!;
    }

    private static string CodecJson(byte[] bytes)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Assert.True(new ProtoToJson(TestSchema.Schema).TryWrite(EverythingType, bytes, writer, out var error), error);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
