using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Validation;

/// <summary>Request-validation instruments, on Portico's meter.</summary>
internal sealed class ValidationMetrics(PorticoMetrics metrics)
{
    private readonly Counter<long> _refusals = metrics.Meter.CreateCounter<long>(
        "portico.validation.refusals", "{request}", "Requests refused by a route's validation rules, by route and reason (rules, media-type, body).");

    public void Refused(string? route, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("reason", reason));
}
