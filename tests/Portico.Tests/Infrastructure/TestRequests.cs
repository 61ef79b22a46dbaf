namespace Portico.Tests.Infrastructure;

/// <summary>Requests with credentials, built the same way by every test that sends them.</summary>
public static class TestRequests
{
    /// <summary>The <c>Authorization</c> header carrying <paramref name="token"/> (RFC 6750).</summary>
    public static (string Name, string Value) Bearer(string token) => ("Authorization", "Bearer " + token);

    /// <summary>The headers of a WebSocket opening handshake (RFC 6455 §4.1), for a GET through a host that cannot upgrade.</summary>
    public static readonly (string Name, string Value)[] WebSocketHandshake =
    [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    /// <summary>Sends a GET for <paramref name="path"/> with <paramref name="headers"/> added as given, unvalidated.</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }
}
