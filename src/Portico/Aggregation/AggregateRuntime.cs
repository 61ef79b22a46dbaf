using Microsoft.Extensions.Logging;

namespace Portico.Aggregation;

/// <summary>The services every composite route's dispatcher shares: the clock, the instruments and the logger.</summary>
internal sealed class AggregateRuntime(TimeProvider timeProvider, AggregateMetrics metrics, ILogger<AggregateDispatcher> logger)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public AggregateMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;
}
