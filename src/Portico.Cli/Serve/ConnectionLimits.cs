using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.AddressLimits;

namespace Portico.Cli.Serve;

/// <summary>
/// Connection caps of <c>portico serve</c> (issue 17, item 9): Kestrel's total (<c>Portico:AddressLimits:MaxConnections</c>)
/// and, as connection middleware ahead of TLS and HTTP, open connections per client address
/// (<c>Portico:AddressLimits:MaxConnectionsPerAddress</c>, IPv6 by /64). A connection over the cap is closed at once,
/// before a byte of it is read; it is counted (<c>portico.connections.refused</c>) and logged at Debug. The address is
/// the socket's peer: behind a proxy every connection is the proxy's, so raise the cap or turn it off there.
/// </summary>
internal sealed class ConnectionLimits
{
    private readonly AddressLimitsOptions _options;
    private AddressInFlight? _connections;

    private ConnectionLimits(AddressLimitsOptions options) => _options = options;

    /// <summary>Applies <paramref name="options"/> to <paramref name="kestrel"/>; the returned action adds the per-address cap to an endpoint.</summary>
    public static Action<ListenOptions>? Configure(KestrelServerOptions kestrel, AddressLimitsOptions options)
    {
        kestrel.Limits.MaxConcurrentConnections = options.MaxConnections > 0 ? options.MaxConnections : null;
        if (options.MaxConnectionsPerAddress <= 0)
        {
            return null;
        }

        var limits = new ConnectionLimits(options);
        return listen => listen.Use(next => limits.Build(next, listen.ApplicationServices));
    }

    private ConnectionDelegate Build(ConnectionDelegate next, IServiceProvider services)
    {
        var metrics = services.GetRequiredService<AddressLimitMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionLimits>();
        if (_connections is null)
        {
            // One table for every endpoint: the cap is per address, whichever port it connects to.
            var (evicted, overflowed) = metrics.For("connections");
            Interlocked.CompareExchange(ref _connections, new AddressInFlight(_options.MaxTrackedAddresses) { Evicted = evicted, Overflowed = overflowed }, null);
        }

        var table = _connections;
        var limit = _options.MaxConnectionsPerAddress;
        return async connection =>
        {
            var gate = table.TryEnter(AddressKey.Of((connection.RemoteEndPoint as IPEndPoint)?.Address), limit);
            if (gate is null)
            {
                metrics.ConnectionsRefused.Add(1);
                AddressLimitLog.ConnectionRefused(logger, limit);
                return; // Kestrel closes a connection its middleware returns from
            }

            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                gate.Value.Exit();
            }
        };
    }
}
