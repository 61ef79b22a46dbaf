using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// Builds JWTs by hand (header, payload, signature) so tests can make both honest tokens and every forgery:
/// <c>alg: none</c>, HMAC with a public key as the secret, embedded keys, hostile <c>kid</c>s, tampered payloads.
/// </summary>
public static class TestTokens
{
    public static string Encode(JsonObject header, JsonObject payload, Func<byte[], byte[]>? sign)
    {
        var signingInput = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = sign is null ? "" : B64(sign(Encoding.ASCII.GetBytes(signingInput)));
        return signingInput + "." + signature;
    }

    /// <summary>A token from raw header and payload JSON text (for what a JSON object cannot hold, such as a repeated member).</summary>
    public static string EncodeRaw(string headerJson, string payloadJson, Func<byte[], byte[]> sign)
    {
        var signingInput = B64(Encoding.UTF8.GetBytes(headerJson)) + "." + B64(Encoding.UTF8.GetBytes(payloadJson));
        return signingInput + "." + B64(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    public static Func<byte[], byte[]> Rs256(RSA key) => data => key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public static Func<byte[], byte[]> Es256(ECDsa key) => data => key.SignData(data, HashAlgorithmName.SHA256);

    public static Func<byte[], byte[]> Hs256(byte[] secret) => data => HMACSHA256.HashData(secret, data);

    public static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>A JWK (public part) for an RSA key.</summary>
    public static JsonObject Jwk(RSA key, string kid)
    {
        var p = key.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = kid, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
    }

    /// <summary>A JWK (public part) for a P-256 key.</summary>
    public static JsonObject Jwk(ECDsa key, string kid)
    {
        var p = key.ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["use"] = "sig", ["kid"] = kid, ["crv"] = "P-256", ["x"] = B64(p.Q.X!), ["y"] = B64(p.Q.Y!) };
    }

    public static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
