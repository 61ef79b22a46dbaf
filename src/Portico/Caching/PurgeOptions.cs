namespace Portico.Caching;

/// <summary>
/// Purges shared through Table storage (the account of <c>Portico:Storage</c>): each purge is a row every instance
/// reads within <see cref="PollInterval"/> and on start. Without Table storage a purge applies to the instance that
/// received it only.
/// </summary>
public sealed class PurgeOptions
{
    /// <summary>The table of purge records. Default <c>porticopurges</c>.</summary>
    public string TableName { get; set; } = "porticopurges";

    /// <summary>How often each instance reads new purges. Default 2 s (purges apply everywhere within about 5 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long purge records are kept and honoured. Shared (L2) entries older than this are not served, since a purge
    /// that removed them may be forgotten. Default 1 day.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Allowed clock difference between instances: an entry stored up to this long after a purge is still purged. Default 2 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(2);
}
