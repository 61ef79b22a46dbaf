using System.Net;
using System.Net.Sockets;

namespace Portico.Functions.Tests.Infrastructure;

/// <summary>
/// Clients that connect from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so a test can tell the client the
/// host's hop reports apart from the hop itself, which always comes from 127.0.0.1.
/// </summary>
public static class LoopbackClient
{
    /// <summary>An <see cref="HttpClient"/> whose connections leave from <paramref name="address"/>.</summary>
    public static HttpClient From(string address) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    });
}
