using Microsoft.Extensions.Logging;

namespace Portico.GraphQL;

/// <summary>Log events of GraphQL routes (docs/graphql.md). Variables and argument values are never logged.</summary>
internal static partial class GraphQLLog
{
    [LoggerMessage(EventId = 1950, Level = LogLevel.Warning, Message = "Subgraph {Subgraph} of route {RouteId} (backend {BackendId}) failed: {Detail}")]
    public static partial void FetchFailed(ILogger logger, string routeId, string subgraph, string backendId, string detail, Exception? exception);

    // Debug: a client's invalid document comes as often as a client sends one.
    [LoggerMessage(EventId = 1951, Level = LogLevel.Debug, Message = "Route {RouteId} refused an operation: {Detail}")]
    public static partial void OperationRefused(ILogger logger, string routeId, string detail);
}
