using Microsoft.Extensions.Logging;

namespace Portico.Analytics;

/// <summary>Analytics log events (ids 1600–1619).</summary>
internal static partial class AnalyticsLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Analytics: rollups in {Mode} storage as instance {InstanceId}")]
    public static partial void Started(ILogger logger, string mode, string instanceId);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Analytics store unreachable ({Error}): {Pending} minute(s) waiting, retried each cycle for up to {RetryWindow}")]
    public static partial void WriteFailed(ILogger logger, string error, int pending, TimeSpan retryWindow);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Analytics rollups LOST: the minute of {Minute:u} ({Requests} requests, {Rows} rows) could not be written within {RetryWindow} and was dropped")]
    public static partial void Dropped(ILogger logger, DateTimeOffset minute, long requests, int rows, TimeSpan retryWindow);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information, Message = "Analytics store reachable again; {Pending} waiting minute(s) written")]
    public static partial void Recovered(ILogger logger, int pending);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Information, Message = "Analytics cleanup deleted {Count} entities older than {Before:u}")]
    public static partial void Cleaned(ILogger logger, int count, DateTimeOffset before);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "Analytics cleanup failed ({Error}); it runs again within the hour")]
    public static partial void CleanupFailed(ILogger logger, string error);
}
