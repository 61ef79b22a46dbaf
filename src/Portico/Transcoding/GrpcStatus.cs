using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Portico.Problems;

namespace Portico.Transcoding;

/// <summary>
/// A call's status as the service sent it: <c>grpc-status</c>, <c>grpc-message</c> (percent-encoded) and
/// <c>grpc-status-details-bin</c> (a base64 <c>google.rpc.Status</c> whose <c>details</c> are <c>Any</c> messages).
/// </summary>
internal sealed class GrpcStatus(int code, string? message, byte[]? statusBytes)
{
    public int Code { get; } = code;

    public string? Message { get; } = message;

    /// <summary>Reads the status from <paramref name="headers"/> (trailers, or the headers of a trailers-only answer); null when it has none.</summary>
    /// <remarks>
    /// Read through <see cref="HttpHeaders.NonValidated"/>: these names have no parser, so the values are the same as
    /// <see cref="HttpHeaders.TryGetValues(string, out IEnumerable{string}?)"/> gives, without the array and parsed
    /// entry that call makes of every header it reads (every transcoded call reads its trailers, issue 18).
    /// </remarks>
    public static GrpcStatus? Read(HttpHeaders headers)
    {
        var raw = headers.NonValidated;
        if (!int.TryParse(First(raw, "grpc-status"), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return null;
        }

        var message = First(raw, "grpc-message") is { } escaped ? Uri.UnescapeDataString(escaped) : null;
        byte[]? details = null;
        if (First(raw, "grpc-status-details-bin") is { } text)
        {
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='); // sent without padding
            details = Convert.TryFromBase64String(text, new byte[text.Length], out _) ? Convert.FromBase64String(text) : null;
        }

        return new GrpcStatus(code, message, details);
    }

    /// <summary>The first value of header <paramref name="name"/>; null when there is none.</summary>
    private static string? First(HttpHeadersNonValidated headers, string name)
    {
        if (headers.TryGetValues(name, out var values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The details of the <c>google.rpc.Status</c> as a JSON array (each <c>Any</c> in the JSON mapping); null when there are none.</summary>
    public byte[]? DetailsJson(ProtoToJson decoder)
    {
        if (statusBytes is not { Length: > 0 })
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartArray();
            var input = new CodedInputStream(statusBytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) != 3 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                {
                    input.SkipLastField(); // code and message: the headers carry them
                    continue;
                }

                var (typeUrl, value) = ReadAny(input.ReadBytes());
                if (!decoder.TryWriteAny(typeUrl, value, writer, out _))
                {
                    return null;
                }
            }

            writer.WriteEndArray();
        }
        catch (InvalidProtocolBufferException)
        {
            return null; // details that are not a google.rpc.Status are left out rather than failing the answer
        }

        return buffer.WrittenSpan.Length > 2 ? buffer.WrittenSpan.ToArray() : null;
    }

    /// <summary>
    /// The problem answer's extension members: the status name, and the details when the code is about the caller
    /// (<see cref="GrpcStatusMapping.IsForCaller"/>).
    /// </summary>
    public List<KeyValuePair<string, object>> Extensions(ProtoToJson decoder)
    {
        var members = new List<KeyValuePair<string, object>> { new("grpcStatus", GrpcStatusMapping.Name(Code)) };
        if (GrpcStatusMapping.IsForCaller(Code) && DetailsJson(decoder) is { } details)
        {
            members.Add(new("details", new RawJsonMember(details)));
        }

        return members;
    }

    /// <summary>The status as the last line or event of a stream that had started: <c>{"error":{"code","status","message","details"}}</c>.</summary>
    public byte[] ErrorJson(ProtoToJson decoder)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", Code);
            writer.WriteString("status", GrpcStatusMapping.Name(Code));
            if (GrpcStatusMapping.IsForCaller(Code))
            {
                if (Message is not null)
                {
                    writer.WriteString("message", Message);
                }

                if (DetailsJson(decoder) is { } details)
                {
                    writer.WritePropertyName("details");
                    writer.WriteRawValue(details);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static (string TypeUrl, ByteString Value) ReadAny(ByteString bytes)
    {
        var typeUrl = "";
        var value = ByteString.Empty;
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: typeUrl = input.ReadString(); break;
                case 2: value = input.ReadBytes(); break;
                default: input.SkipLastField(); break;
            }
        }

        return (typeUrl, value);
    }

    private sealed class RawJsonMember(byte[] json) : IProblemMember
    {
        public void WriteValue(Utf8JsonWriter writer) => writer.WriteRawValue(json);
    }
}
