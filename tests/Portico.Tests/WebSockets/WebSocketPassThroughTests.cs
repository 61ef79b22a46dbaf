using System.Net;
using System.Net.WebSockets;
using System.Text;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Infrastructure.RegistryJson;

namespace Portico.Tests.WebSockets;

/// <summary>
/// WebSocket pass-through in <c>portico serve</c>: real clients through the gateway to a real echo server. Handshakes
/// pass authentication and rate limits like any request; limits on message size, idle time and connections per
/// consumer close or refuse with the codes docs/protocols.md lists.
/// </summary>
public sealed class WebSocketPassThroughTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly (string Key, string Id) Credential = Portico.Auth.ApiKeyFormat.Generate();

    private static string Registry(string backendUrl, string webSocket = """{ "maxMessageSize": 1024, "maxConnectionsPerConsumer": 2 }""") => $$"""
    {
      "apiKeys": [ {{ApiKey(Credential.Id, "alice", Credential.Key)}} ],
      "consumers": [ { "id": "alice", "plan": "small" } ],
      "rateLimitPolicies": [ { "id": "three", "rate": { "requests": 3, "per": "1h" } } ],
      "plans": [ { "id": "small", "policies": ["three"] } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "echo", "url": "{{backendUrl}}" } ],
      "routes": [
        { "id": "ws", "auth": "anonymous", "match": { "path": "/ws/{**rest}" }, "backend": "echo", "webSocket": {{webSocket}} },
        { "id": "keyed", "auth": "keys", "match": { "path": "/keyed" }, "backend": "echo", "webSocket": {} },
        { "id": "plain", "auth": "anonymous", "match": { "path": "/plain" }, "backend": "echo" }
      ]
    }
    """;

    private static async Task<ClientWebSocket> ConnectAsync(GatewayHost gateway, string path, Action<ClientWebSocketOptions>? options = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        options?.Invoke(socket.Options);
        await socket.ConnectAsync(new Uri("ws" + gateway.Url["http".Length..] + path), CancellationToken.None).WaitAsync(Bound);
        return socket;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(Bound);
            length += result.Count;
        }
        while (!result.EndOfMessage);

        return (result.MessageType, buffer[..length]);
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Bound);

    /// <summary>A raw WebSocket handshake, for answers a WebSocket client would not show (the problem body).</summary>
    private static Task<RawResponse> HandshakeAsync(GatewayHost gateway, string path, string extra = "") =>
        RawHttp.SendAsync(gateway.Url, $"GET {path} HTTP/1.1\nConnection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n{extra}");

    [Fact]
    public async Task Connect_AllowedRoute_MessagesEchoedBothWaysWithSubprotocolAndCleanHeaders()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        using var socket = await ConnectAsync(gateway, "/ws/chat?room=1", o =>
        {
            o.AddSubProtocol("chat.v2");
            o.SetRequestHeader("X-Forwarded-For", "6.6.6.6");
            o.SetRequestHeader("X-Custom", "kept");
        });
        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal("chat.v2", socket.SubProtocol);

        await SendTextAsync(socket, "hello");
        var (type, data) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("hello", Encoding.UTF8.GetString(data));

        var binary = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        await socket.SendAsync(binary, WebSocketMessageType.Binary, true, CancellationToken.None);
        (type, data) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(binary, data);

        var handshake = Assert.Single(backend.Handshakes);
        Assert.Equal("kept", handshake["X-Custom"].ToString());
        Assert.Equal("127.0.0.1", handshake["X-Forwarded-For"].ToString()); // the spoofed address is gone
        Assert.Equal("chat.v2", handshake["Sec-WebSocket-Protocol"].ToString());

        await socket.CloseAsync((WebSocketCloseStatus)4000, "done", CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(((WebSocketCloseStatus?)4000, "done"), await backend.Closed.Task.WaitAsync(Bound));
        Assert.Equal((WebSocketCloseStatus)4000, socket.CloseStatus);
    }

    [Fact]
    public async Task Close_BackendCloses_ClientGetsItsStatusAndReason()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));
        using var socket = await ConnectAsync(gateway, "/ws/chat");

        await SendTextAsync(socket, "close");
        var result = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)4001, result.CloseStatus);
        Assert.Equal("backend says bye", result.CloseStatusDescription);
    }

    [Fact]
    public async Task Handshake_RouteWithoutWebSocket_400ProblemAndBackendNotCalled()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var response = await HandshakeAsync(gateway, "/plain");

        Assert.Equal(400, response.Status);
        response.Problem("websocket-not-allowed");
        Assert.Empty(backend.Handshakes);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("custom-tunnel")]
    public async Task Handshake_OtherUpgradeOnPlainRoute_ForwardedAsPlainHttpWithoutUpgrade(string protocol)
    {
        // The backend switches to any protocol it is asked for; through the gateway it is never asked, so a plain
        // route never becomes a raw tunnel.
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                await using var tunnel = await upgrade.UpgradeAsync();
                await tunnel.WriteAsync("raw tunnel"u8.ToArray());
                return;
            }

            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "plain");
        });
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var response = await RawHttp.SendAsync(gateway.Url, $"GET /plain HTTP/1.1\nConnection: Upgrade\nUpgrade: {protocol}");

        Assert.Equal(200, response.Status);
        Assert.Equal("plain", response.Text);
        Assert.False(backend.LastRequest.Headers.ContainsKey("Upgrade"));
    }

    [Fact]
    public async Task Handshake_WithoutApiKey_401AndWithKey_ConnectsUntilRateLimited()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var refused = await HandshakeAsync(gateway, "/keyed");
        Assert.Equal(401, refused.Status);
        Assert.Empty(backend.Handshakes);

        // The plan allows three requests an hour: three handshakes connect, the fourth is rate limited.
        for (int i = 0; i < 3; i++)
        {
            using var socket = await ConnectAsync(gateway, "/keyed", o => o.SetRequestHeader("X-Api-Key", Credential.Key));
            await SendTextAsync(socket, "ping");
            Assert.Equal("ping", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        }

        Assert.Equal(3, backend.Handshakes.Count);
        Assert.DoesNotContain(backend.Handshakes, h => h.ContainsKey("X-Api-Key")); // the key stays at the gateway
        var limited = await HandshakeAsync(gateway, "/keyed", $"X-Api-Key: {Credential.Key}");
        Assert.Equal(429, limited.Status);
        limited.Problem("rate-limited");
        Assert.Equal(3, backend.Handshakes.Count);
    }

    [Fact]
    public async Task Connect_OverConnectionsPerConsumer_429UntilOneCloses()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));
        using var first = await ConnectAsync(gateway, "/ws/a");
        using var second = await ConnectAsync(gateway, "/ws/b");

        var third = await HandshakeAsync(gateway, "/ws/c");
        Assert.Equal(429, third.Status);
        third.Problem("too-many-connections");
        Assert.Equal(2, backend.Handshakes.Count);

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        Assert.True(await Eventually.TrueAsync(() => gateway.Services.GetConnections().Count("ws", "127.0.0.1") == 1, Bound));
        using var fourth = await ConnectAsync(gateway, "/ws/d");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, fourth.HttpStatusCode);
    }

    [Fact]
    public async Task Message_ClientSendsOverMaxMessageSize_BothSidesClosedWith1009AndMessageNotDelivered()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));
        using var socket = await ConnectAsync(gateway, "/ws/chat");
        await socket.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, CancellationToken.None); // exactly the limit
        Assert.Equal(1024, (await ReceiveAsync(socket)).Data.Length);

        await socket.SendAsync(new byte[1025], WebSocketMessageType.Binary, true, CancellationToken.None);
        var result = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, result.CloseStatus);
        Assert.Equal((WebSocketCloseStatus?)WebSocketCloseStatus.MessageTooBig, (await backend.Closed.Task.WaitAsync(Bound)).Status);
        Assert.Equal([1024], backend.Received);
    }

    [Fact]
    public async Task Message_BackendSendsOverMaxMessageSize_ClientClosedWith1009()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));
        using var socket = await ConnectAsync(gateway, "/ws/chat");

        await SendTextAsync(socket, "big:5000");
        var result = await socket.ReceiveAsync(new byte[8192], CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType); // no byte of the oversized message came first
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, result.CloseStatus);
    }

    [Fact]
    public async Task Idle_NoMessageForIdleTimeout_BothSidesClosedWith1001()
    {
        var clock = new TestClock();
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url, """{ "idleTimeout": "30s" }"""), services: clock.AddTo);
        using var socket = await ConnectAsync(gateway, "/ws/chat");
        await SendTextAsync(socket, "hello");
        Assert.Equal("hello", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));

        clock.Advance(TimeSpan.FromSeconds(29)); // short of the limit: still open
        await SendTextAsync(socket, "still here");
        Assert.Equal("still here", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
        clock.Advance(TimeSpan.FromSeconds(30)); // thirty seconds since the last message
        var result = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, result.CloseStatus);
        Assert.Equal((WebSocketCloseStatus?)WebSocketCloseStatus.EndpointUnavailable, (await backend.Closed.Task.WaitAsync(Bound)).Status);
    }

    [Fact]
    public async Task Handshake_BackendIsNoWebSocketServer_502Problem()
    {
        await using var backend = await TestBackend.StartAsync(context => { context.Response.StatusCode = 404; return Task.CompletedTask; });
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var response = await HandshakeAsync(gateway, "/ws/chat");

        Assert.Equal(502, response.Status);
        Assert.Contains("404", response.Problem("bad-gateway").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_MalformedOnWebSocketRoute_400InvalidHandshake()
    {
        await using var backend = await WebSocketEchoServer.StartAsync();
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(backend.Url));

        var response = await RawHttp.SendAsync(gateway.Url, "GET /ws/chat HTTP/1.1\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");

        Assert.Equal(400, response.Status);
        response.Problem("invalid-websocket-handshake");
        Assert.Empty(backend.Handshakes);
    }
}
