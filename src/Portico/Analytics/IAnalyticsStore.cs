namespace Portico.Analytics;

/// <summary>
/// Where rollups and instance heartbeats are kept: Table storage (shared by every instance) or, without storage, this
/// instance's memory. Failures surface as store exceptions (<see cref="Storage.StoreFailure"/>); the flusher retries and
/// the query degrades to this instance's unsent minutes.
/// </summary>
internal interface IAnalyticsStore
{
    /// <summary>Where the rollups live, for the API's <c>storage.mode</c> (<c>table</c> or <c>memory</c>).</summary>
    string Mode { get; }

    /// <summary>
    /// Writes one part of one minute of one instance's rows. Writing the same rows again (a retry after a failed or
    /// unanswered write) replaces the earlier write rather than adding to it; a part is never rewritten with other rows
    /// (the flusher keeps a minute's rows until they are written), so a store need not remove rows a longer earlier write left.
    /// </summary>
    Task WriteAsync(long minute, string instance, int part, IReadOnlyList<AnalyticsRow> rows, CancellationToken cancellationToken);

    /// <summary>Reads every instance's rows of the minutes in [<paramref name="fromMinute"/>, <paramref name="toMinute"/>), at most <paramref name="maxRows"/>.</summary>
    Task<AnalyticsRead> ReadAsync(long fromMinute, long toMinute, int maxRows, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="instance"/> is alive.</summary>
    Task HeartbeatAsync(InstanceHeartbeat instance, CancellationToken cancellationToken);

    /// <summary>The instances whose last heartbeat is at or after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<InstanceHeartbeat>> ListInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Deletes rollups of minutes before <paramref name="beforeMinute"/> and heartbeats older than <paramref name="heartbeatsBefore"/>; returns how many entities went.</summary>
    Task<int> DeleteBeforeAsync(long beforeMinute, DateTimeOffset heartbeatsBefore, CancellationToken cancellationToken);
}
