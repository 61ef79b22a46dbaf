using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portico.WebPubSub;

/// <summary>
/// HS256 JWTs signed with a Web PubSub access key, the service's key-based way in: client access tokens
/// (audience <c>{endpoint}/client/hubs/{hub}</c>, with <c>sub</c>, <c>role</c> and <c>webpubsub.group</c>) and the
/// bearer token of a REST call (audience the request URL). The key signs as its UTF-8 text, as the service checks it.
/// </summary>
internal static class WebPubSubJwt
{
    // {"alg":"HS256","typ":"JWT"}, encoded once.
    private static readonly string Header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    /// <summary>A token for <paramref name="audience"/> valid from <paramref name="now"/> for <paramref name="lifetime"/>.</summary>
    public static string Sign(
        string accessKey, string audience, DateTimeOffset now, TimeSpan lifetime,
        string? subject = null, IReadOnlyList<string>? roles = null, IReadOnlyList<string>? groups = null)
    {
        var payload = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("aud", audience);
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", (now + lifetime).ToUnixTimeSeconds());
            if (subject is not null)
            {
                writer.WriteString("sub", subject);
            }

            WriteArray(writer, "role", roles);
            WriteArray(writer, "webpubsub.group", groups);
            writer.WriteEndObject();
        }

        var signingInput = Header + "." + Base64Url.EncodeToString(payload.WrittenSpan);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is not { Count: > 0 })
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
