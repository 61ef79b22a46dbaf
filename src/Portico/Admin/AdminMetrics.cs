using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Admin;

/// <summary>Admin instruments, on Portico's meter.</summary>
internal sealed class AdminMetrics(PorticoMetrics metrics)
{
    private readonly Counter<long> _refusals = metrics.Meter.CreateCounter<long>(
        "portico.admin.refusals", "{request}", "Admin requests refused, by reason (missing, invalid, forbidden, rate-limited, not-configured, …).");

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
