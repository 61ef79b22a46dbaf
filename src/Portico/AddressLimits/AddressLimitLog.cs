using Microsoft.Extensions.Logging;

namespace Portico.AddressLimits;

/// <summary>Log events of per-address limits (event ids 1750-1759). Refusals are expected outcomes: Debug only.</summary>
internal static partial class AddressLimitLog
{
    [LoggerMessage(EventId = 1750, Level = LogLevel.Debug, Message = "Refused a request on route {RouteId} by the per-address limit {Limit}")]
    public static partial void Refused(ILogger logger, string? routeId, string limit);

    [LoggerMessage(EventId = 1751, Level = LogLevel.Debug, Message = "Closed a connection from an address that has {Limit} open already")]
    public static partial void ConnectionRefused(ILogger logger, int limit);
}
