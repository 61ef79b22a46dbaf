using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portico.Tests.WebSockets;

/// <summary>
/// A real WebSocket echo server on 127.0.0.1 (Kestrel): echoes every message, answers <c>big:N</c> with a message of
/// N bytes, and records the handshakes it accepted, the messages it received whole and the close it received.
/// </summary>
internal sealed class WebSocketEchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketEchoServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>The request headers of every handshake accepted.</summary>
    public ConcurrentQueue<IHeaderDictionary> Handshakes { get; } = new();

    /// <summary>The length of every complete message received.</summary>
    public ConcurrentQueue<int> Received { get; } = new();

    /// <summary>The close status and reason received from the gateway, once a connection ends.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Open;

    public static async Task<WebSocketEchoServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new WebSocketEchoServer(app);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Urls.First().TrimEnd('/');
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 404;
            return;
        }

        Handshakes.Enqueue(context.Request.Headers);
        var protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        Interlocked.Increment(ref Open);
        var buffer = new byte[1024 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Closed.TrySetResult((socket.CloseStatus, socket.CloseStatusDescription));
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, CancellationToken.None);
                    return;
                }

                Received.Enqueue(length);
                var text = result.MessageType == WebSocketMessageType.Text ? System.Text.Encoding.UTF8.GetString(buffer, 0, length) : "";
                if (text.StartsWith("big:", StringComparison.Ordinal))
                {
                    var big = new byte[int.Parse(text[4..], System.Globalization.CultureInfo.InvariantCulture)];
                    await socket.SendAsync(big, WebSocketMessageType.Binary, true, CancellationToken.None);
                }
                else if (text == "close")
                {
                    await socket.CloseAsync((WebSocketCloseStatus)4001, "backend says bye", CancellationToken.None);
                    return;
                }
                else
                {
                    await socket.SendAsync(buffer.AsMemory(0, length), result.MessageType, true, CancellationToken.None);
                }
            }
        }
        catch (WebSocketException)
        {
            Closed.TrySetResult((null, "aborted"));
        }
        finally
        {
            Interlocked.Decrement(ref Open);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
