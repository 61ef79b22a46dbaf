using Microsoft.Extensions.DependencyInjection;
using Portico.WebSockets;

namespace Portico.Tests.WebSockets;

internal static class WebSocketServiceProviderExtensions
{
    /// <summary>The gateway's open-connection counts.</summary>
    public static WebSocketConnections GetConnections(this IServiceProvider services) => services.GetRequiredService<WebSocketConnections>();
}
