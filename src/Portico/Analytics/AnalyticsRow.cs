namespace Portico.Analytics;

/// <summary>One rollup cell as stored: a minute of one instance's requests on one route, by one consumer, in one status class.</summary>
internal sealed record AnalyticsRow(DateTimeOffset Minute, string Instance, string Route, string Consumer, int StatusClass, AnalyticsCounts Counts)
{
    /// <summary>
    /// Which part of the instance's minute the row belongs to: 0, or more when the minute was closed early (a flush at
    /// shutdown or on demand) and counting went on in a new part of the same minute.
    /// </summary>
    public int Part { get; init; }
}
