namespace Portico.Analytics;

/// <summary>
/// Traffic analytics (<c>Portico:Analytics:*</c>, docs/analytics.md): per-minute rollups aggregated in memory on each
/// instance and, when Table storage is configured, written there once a minute and merged across instances when queried.
/// </summary>
public sealed class AnalyticsOptions
{
    /// <summary>Whether requests are aggregated at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The table of rollups and instance heartbeats, in the account of <c>Portico:Storage</c>. Default <c>PorticoAnalytics</c>.</summary>
    public string TableName { get; set; } = "PorticoAnalytics";

    /// <summary>How long rollups are kept before the background cleanup deletes them. Default 7 days; at least 1 hour.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// At most this many route × consumer × status class cells per instance per minute; further combinations are counted in one
    /// cell whose route and consumer are <c>(other)</c>. Bounds memory and the storage operations per minute
    /// (ceiling of cells / 100 batch transactions). Default 1,000.
    /// </summary>
    public int MaxCellsPerMinute { get; set; } = 1000;

    /// <summary>The longest time range one query may cover; longer ones are refused with 400. Default 7 days.</summary>
    public TimeSpan MaxQueryRange { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most rollup rows one query reads from storage; beyond it the answer says <c>truncated</c>. Default 200,000.</summary>
    public int MaxQueryRows { get; set; } = 200_000;

    /// <summary>
    /// How long a minute that could not be written is retried (once per flush cycle) before it is dropped, counted in
    /// <c>portico.analytics.dropped</c> and logged. Default 10 minutes.
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How this instance is named in rollups and the instance list. Default: the machine name and a random suffix.</summary>
    public string? InstanceId { get; set; }
}
