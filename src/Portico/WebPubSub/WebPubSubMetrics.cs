using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.WebPubSub;

/// <summary>
/// Instruments of the Web PubSub bridge, on the <c>Portico</c> meter: events the service delivered (by event and
/// outcome) and the gateway's calls to the service (by operation and outcome).
/// </summary>
internal sealed class WebPubSubMetrics(PorticoMetrics metrics)
{
    public Counter<long> Events { get; } = metrics.Meter.CreateCounter<long>(
        "portico.webpubsub.events", "{event}",
        "Web PubSub events received, tagged with route, event and outcome (forwarded, failed, unmapped, refused).");

    public Counter<long> ServiceCalls { get; } = metrics.Meter.CreateCounter<long>(
        "portico.webpubsub.service.calls", "{call}",
        "Calls to the Web PubSub REST API, tagged with route, operation and outcome (ok, rejected, failed).");

    public void RecordEvent(string routeId, string eventName, string outcome) =>
        Events.Add(1, new TagList { { "portico.route", routeId }, { "portico.webpubsub.event", eventName }, { "portico.webpubsub.outcome", outcome } });

    public void RecordCall(string routeId, string operation, string outcome) =>
        ServiceCalls.Add(1, new TagList { { "portico.route", routeId }, { "portico.webpubsub.operation", operation }, { "portico.webpubsub.outcome", outcome } });
}
