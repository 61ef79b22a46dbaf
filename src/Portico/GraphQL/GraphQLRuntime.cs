using Microsoft.Extensions.Logging;
using Portico.Auth;

namespace Portico.GraphQL;

/// <summary>The services every GraphQL route shares: the clock, the instruments, the logger and the identity each fetch carries.</summary>
internal sealed class GraphQLRuntime(TimeProvider timeProvider, GraphQLMetrics metrics, ILogger<GraphQLDispatcher> logger, IdentityForwarding identity)
{
    public TimeProvider TimeProvider { get; } = timeProvider;

    public GraphQLMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    public IdentityForwarding Identity { get; } = identity;
}
