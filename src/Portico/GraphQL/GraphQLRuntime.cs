using Microsoft.Extensions.Logging;
using Portico.Auth;
using Portico.RateLimiting;

namespace Portico.GraphQL;

/// <summary>The services every GraphQL route shares: the clock, the instruments, the logger, the identity each fetch carries and the rate-limit charge.</summary>
internal sealed class GraphQLRuntime(TimeProvider timeProvider, GraphQLMetrics metrics, ILogger<GraphQLDispatcher> logger, IdentityForwarding identity, RateLimitCharge charge)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public GraphQLMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    public IdentityForwarding Identity { get; } = identity;

    /// <summary>Charges an operation's cost to the route's rate-limit policies (<c>rateLimitBy: "cost"</c>).</summary>
    public RateLimitCharge Charge { get; } = charge;
}
