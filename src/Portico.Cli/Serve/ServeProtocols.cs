using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Portico.Cli.Serve;

/// <summary>
/// <c>Portico:Serve:Protocols</c>: the HTTP versions every endpoint of <c>portico serve</c> speaks
/// (docs/protocols.md#grpc). The default, <c>Http1AndHttp2</c>, negotiates HTTP/2 over TLS only; <c>Http2</c> also
/// takes cleartext HTTP/2 (h2c with prior knowledge, as gRPC clients send it) and no HTTP/1.1.
/// </summary>
internal static class ServeProtocols
{
    public const string Setting = "Portico:Serve:Protocols";

    /// <summary>The configured protocols; null for Kestrel's default. An unknown value stops the start with a message naming the setting.</summary>
    public static HttpProtocols? Parse(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" => null,
        "http1andhttp2" => HttpProtocols.Http1AndHttp2,
        "http2" => HttpProtocols.Http2,
        "http1" => HttpProtocols.Http1,
        _ => throw new ArgumentException($"{Setting} must be Http1AndHttp2, Http2 or Http1, not '{value}'."),
    };
}
