using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.AddressLimits;

/// <summary>Per-address limit instruments, on Portico's meter.</summary>
internal sealed class AddressLimitMetrics
{
    public AddressLimitMetrics(PorticoMetrics metrics)
    {
        Refusals = metrics.Meter.CreateCounter<long>(
            "portico.address.refusals", "{request}", "Requests refused by a per-address limit before authentication, by limit (rate, route-rate, failed-authentication, concurrency) and route.");
        Evictions = metrics.Meter.CreateCounter<long>(
            "portico.address.evictions", "{address}", "Idle client addresses forgotten to keep a per-address table within Portico:AddressLimits:MaxTrackedAddresses, by table.");
        Overflows = metrics.Meter.CreateCounter<long>(
            "portico.address.overflows", "{address}", "New client addresses that shared one overflow entry because a per-address table was full of active ones, by table.");
        ConnectionsRefused = metrics.Meter.CreateCounter<long>(
            "portico.connections.refused", "{connection}", "Connections closed at once because their address had Portico:AddressLimits:MaxConnectionsPerAddress open (portico serve).");
    }

    public Counter<long> Refusals { get; }

    public Counter<long> Evictions { get; }

    public Counter<long> Overflows { get; }

    public Counter<long> ConnectionsRefused { get; }

    /// <summary>Eviction and overflow callbacks of one table, tagged with its name.</summary>
    public (Action<int> Evicted, Action Overflowed) For(string table) =>
        (count => Evictions.Add(count, new KeyValuePair<string, object?>("table", table)),
         () => Overflows.Add(1, new KeyValuePair<string, object?>("table", table)));
}
