using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.RateLimiting;

/// <summary>Listens to one gateway's Portico meter and sums its counters, optionally by tag.</summary>
internal sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener;
    private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MetricsProbe(GatewayHost gateway)
    {
        var meter = gateway.Services.GetRequiredService<PorticoMetrics>().Meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    public long Sum(string instrument, params (string Name, string Value)[] tags) =>
        _measurements
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(k => k.Key == t.Name && Equals(k.Value?.ToString(), t.Value))))
            .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
