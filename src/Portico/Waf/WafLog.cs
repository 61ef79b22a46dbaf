using Microsoft.Extensions.Logging;

namespace Portico.Waf;

/// <summary>
/// Request filter log events (ids 1700–1719). They name rules and targets (<c>query:q</c>), never a value from the
/// request: a payload is the attacker's text, and logs are not the place to replay it.
/// </summary>
internal static partial class WafLog
{
    // Debug: one per matched rule, as often as an attacker sends payloads; the warning below is the one per request.
    [LoggerMessage(EventId = 1700, Level = LogLevel.Debug, Message = "Request filter on route {RouteId}: rule {RuleId} matched {Target} (+{Weight})")]
    public static partial void RuleMatched(ILogger logger, string routeId, string ruleId, string target, int weight);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "Request filter blocked a request on route {RouteId}: anomaly score {Score} (threshold {Threshold}), rules {Rules}")]
    public static partial void Blocked(ILogger logger, string routeId, int score, int threshold, string rules);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Request filter (detect only) would block a request on route {RouteId}: anomaly score {Score} (threshold {Threshold}), rules {Rules}")]
    public static partial void Detected(ILogger logger, string routeId, int score, int threshold, string rules);
}
