using Microsoft.Extensions.Logging;
using Portico.Auth;

namespace Portico.Aggregation;

/// <summary>
/// The services every composite route's dispatcher shares: the clock, the instruments, the logger and the identity
/// headers each part call carries.
/// </summary>
internal sealed class AggregateRuntime(TimeProvider timeProvider, AggregateMetrics metrics, ILogger<AggregateDispatcher> logger, IdentityForwarding identity)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public AggregateMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    public IdentityForwarding Identity { get; } = identity;
}
