using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>How each field type is laid out on the wire (https://protobuf.dev/programming-guides/encoding/).</summary>
internal static class WireTypes
{
    /// <summary>The wire type of one value of <paramref name="type"/> (unpacked).</summary>
    public static WireFormat.WireType Of(FieldType type) => type switch
    {
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireFormat.WireType.Fixed64,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireFormat.WireType.Fixed32,
        FieldType.String or FieldType.Bytes or FieldType.Message => WireFormat.WireType.LengthDelimited,
        FieldType.Group => WireFormat.WireType.StartGroup,
        _ => WireFormat.WireType.Varint,
    };
}
