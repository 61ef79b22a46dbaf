using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Aggregation;

/// <summary>
/// Instruments of composite routes, on the <c>Portico</c> meter: one duration per part call (tagged with route, part,
/// backend and outcome) and one count per composite answer (complete, partial or failed).
/// </summary>
internal sealed class AggregateMetrics
{
    private static readonly double[] DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 230];

    public AggregateMetrics(PorticoMetrics metrics)
    {
        PartDuration = metrics.Meter.CreateHistogram<double>(
            "portico.aggregate.part.duration", "s", "Time spent on one part of a composite request, from its start to its outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Responses = metrics.Meter.CreateCounter<long>(
            "portico.aggregate.responses", "{response}", "Composite answers by outcome (complete, partial, failed).");
    }

    public Histogram<double> PartDuration { get; }

    public Counter<long> Responses { get; }

    public void RecordPart(string routeId, AggregatePart part, PartOutcome outcome, int status, TimeSpan duration)
    {
        var tags = new TagList
        {
            { "portico.route", routeId },
            { "portico.part", part.Name },
            { "portico.backend", part.Backend.Id },
            { "portico.part.outcome", outcome.Name() },
        };
        if (status > 0)
        {
            tags.Add("http.response.status_code", PorticoMetrics.Box(status));
        }

        PartDuration.Record(duration.TotalSeconds, tags);
    }

    public void RecordResponse(string routeId, string outcome) =>
        Responses.Add(1, new TagList { { "portico.route", routeId }, { "portico.aggregate.outcome", outcome } });
}
