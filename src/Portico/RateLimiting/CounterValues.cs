namespace Portico.RateLimiting;

/// <summary>
/// The state of one counter: the GCRA theoretical arrival time and the count of each quota window. The same
/// values live in an instance's memory (<c>local</c>) or in a Table storage entity (<c>exact</c>, <c>leased</c>).
/// </summary>
internal struct CounterValues
{
    /// <summary>Theoretical arrival time (UTC ticks): the bucket is full when it is at or before now.</summary>
    public long Tat;

    /// <summary>Requests counted per quota period.</summary>
    public PerPeriod<QuotaCount> Quotas;
}
