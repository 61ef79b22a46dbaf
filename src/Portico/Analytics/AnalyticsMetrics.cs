using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Analytics;

/// <summary>Analytics instruments, on Portico's meter.</summary>
internal sealed class AnalyticsMetrics(PorticoMetrics metrics)
{
    private readonly Counter<long> _writes = metrics.Meter.CreateCounter<long>(
        "portico.analytics.writes", "{minute}", "Minutes of rollups written to the analytics store, by outcome (written, failed).");

    private readonly Counter<long> _dropped = metrics.Meter.CreateCounter<long>(
        "portico.analytics.dropped", "{request}", "Requests whose rollup was dropped because the analytics store stayed unreachable beyond the retry window.");

    public void Written() => _writes.Add(1, new KeyValuePair<string, object?>("outcome", "written"));

    public void Failed() => _writes.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public void Dropped(long requests) => _dropped.Add(requests);
}
