using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Portico.WebSockets;

/// <summary>Recognises a WebSocket opening handshake, whatever the host left of it.</summary>
internal static class WebSocketHandshake
{
    /// <summary>
    /// Whether the client asks for a WebSocket: <c>Upgrade: websocket</c> (RFC 6455 §4.1), an HTTP/2 extended CONNECT
    /// for the <c>websocket</c> protocol (RFC 8441), or a <c>Sec-WebSocket-Key</c>, which stays when a proxy hop in
    /// front (the Functions host's) has removed the hop-by-hop <c>Upgrade</c>.
    /// </summary>
    public static bool IsRequested(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.ContainsKey(HeaderNames.SecWebSocketKey))
        {
            return true;
        }

        foreach (var value in headers.Upgrade)
        {
            if (value is not null && value.Contains("websocket", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return HttpMethods.IsConnect(request.Method) && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: var protocol }
            && string.Equals(protocol, "websocket", StringComparison.OrdinalIgnoreCase);
    }
}
