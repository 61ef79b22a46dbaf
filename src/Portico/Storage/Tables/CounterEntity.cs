using Azure;
using Azure.Data.Tables;
using Portico.RateLimiting;

namespace Portico.Storage.Tables;

/// <summary>
/// One shared counter in Table storage (docs/rate-limiting.md, "Table storage layout"). One entity per policy and key,
/// reused for every window, so nothing accumulates per window. The partition key is a hash of policy and key:
/// every counter is its own partition, and a hot client never shares one with others. The key itself is not
/// stored (it can be an address or an API key's hash).
/// </summary>
internal sealed class CounterEntity : ITableEntity
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>32 hex digits of SHA-256(policy id, key).</summary>
    public string PartitionKey { get; set; } = "";

    /// <summary>The policy id.</summary>
    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>GCRA theoretical arrival time, UTC ticks.</summary>
    public long Tat { get; set; }

    public long HourStart { get; set; }

    public long HourCount { get; set; }

    public long DayStart { get; set; }

    public long DayCount { get; set; }

    public long MonthStart { get; set; }

    public long MonthCount { get; set; }

    /// <summary>When the entity stops carrying information (bucket full, quota windows over): the cleanup deletes it after this.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    public CounterValues ToValues()
    {
        var values = new CounterValues { Tat = Tat };
        values.Quotas[(int)QuotaPeriod.Hour] = new QuotaCount(HourStart, HourCount);
        values.Quotas[(int)QuotaPeriod.Day] = new QuotaCount(DayStart, DayCount);
        values.Quotas[(int)QuotaPeriod.Month] = new QuotaCount(MonthStart, MonthCount);
        return values;
    }

    public static CounterEntity From(string partitionKey, string rowKey, in CounterValues values) => new()
    {
        PartitionKey = partitionKey,
        RowKey = rowKey,
        Tat = values.Tat,
        HourStart = values.Quotas[(int)QuotaPeriod.Hour].Start,
        HourCount = values.Quotas[(int)QuotaPeriod.Hour].Count,
        DayStart = values.Quotas[(int)QuotaPeriod.Day].Start,
        DayCount = values.Quotas[(int)QuotaPeriod.Day].Count,
        MonthStart = values.Quotas[(int)QuotaPeriod.Month].Start,
        MonthCount = values.Quotas[(int)QuotaPeriod.Month].Count,
        ExpiresAt = new DateTimeOffset(Math.Max(CounterMath.ExpiresAt(in values), DateTimeOffset.UnixEpoch.UtcTicks), TimeSpan.Zero),
    };
}
