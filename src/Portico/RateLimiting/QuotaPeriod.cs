namespace Portico.RateLimiting;

/// <summary>A calendar window of a quota, in UTC. The value indexes per-period slots.</summary>
internal enum QuotaPeriod
{
    Hour = 0,
    Day = 1,
    Month = 2,
}
