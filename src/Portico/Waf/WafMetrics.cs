using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Waf;

/// <summary>
/// Instruments of the request filter, on the <c>Portico</c> meter: each matched rule per request (tagged with the rule
/// id, the route and the mode), and each request at or over the threshold (blocked, or detected in detect mode).
/// </summary>
internal sealed class WafMetrics(PorticoMetrics metrics)
{
    public Counter<long> Matches { get; } = metrics.Meter.CreateCounter<long>(
        "portico.waf.matches", "{match}", "Request filter rule matches, one per rule and request, by rule id, route and mode.");

    public Counter<long> Verdicts { get; } = metrics.Meter.CreateCounter<long>(
        "portico.waf.verdicts", "{request}", "Requests whose anomaly score reached the threshold, by route and action (blocked, detected).");
}
