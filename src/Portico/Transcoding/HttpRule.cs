using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>
/// One HTTP binding of a method, as its <c>google.api.http</c> option says (google/api/http.proto): the HTTP method,
/// the path template, what the body sets and what the response body is. Read from the option's bytes, so the
/// descriptor set needs no generated code for google.api.
/// </summary>
internal sealed record HttpRule(string HttpMethod, string Path, string? Body, string? ResponseBody)
{
    /// <summary>The extension number of <c>google.api.http</c> on <c>google.protobuf.MethodOptions</c>.</summary>
    public const int HttpOptionNumber = 72295728;

    /// <summary>
    /// The bindings of <paramref name="method"/>: its rule and the rule's <c>additional_bindings</c>; empty when the method
    /// has no <c>google.api.http</c> option.
    /// </summary>
    public static List<HttpRule> Read(MethodDescriptor method)
    {
        var rules = new List<HttpRule>();
        if (method.ToProto().Options is not { } options)
        {
            return rules;
        }

        var input = new CodedInputStream(options.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == HttpOptionNumber && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                ReadRule(input.ReadBytes(), rules, nested: false);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return rules;
    }

    private static void ReadRule(ByteString bytes, List<HttpRule> rules, bool nested)
    {
        string? httpMethod = null, path = null, body = null, responseBody = null;
        var additional = new List<ByteString>();
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2: (httpMethod, path) = ("GET", input.ReadString()); break;
                case 3: (httpMethod, path) = ("PUT", input.ReadString()); break;
                case 4: (httpMethod, path) = ("POST", input.ReadString()); break;
                case 5: (httpMethod, path) = ("DELETE", input.ReadString()); break;
                case 6: (httpMethod, path) = ("PATCH", input.ReadString()); break;
                case 7: body = input.ReadString(); break;
                case 8: (httpMethod, path) = ReadCustom(input.ReadBytes()); break;
                case 11: additional.Add(input.ReadBytes()); break;
                case 12: responseBody = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        if (httpMethod is not null && path is not null)
        {
            rules.Add(new HttpRule(httpMethod, path, body is { Length: > 0 } ? body : null, responseBody is { Length: > 0 } ? responseBody : null));
        }

        if (!nested)
        {
            foreach (var binding in additional)
            {
                ReadRule(binding, rules, nested: true); // bindings of bindings are not allowed by http.proto: not read
            }
        }
    }

    private static (string? Kind, string? Path) ReadCustom(ByteString bytes)
    {
        string? kind = null, path = null;
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: kind = input.ReadString(); break;
                case 2: path = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return (kind?.ToUpperInvariant(), path);
    }
}
