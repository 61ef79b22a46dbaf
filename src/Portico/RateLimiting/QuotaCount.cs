namespace Portico.RateLimiting;

/// <summary>How many requests a quota window has counted; a window other than the current one counts zero.</summary>
/// <param name="Start">Start of the window counted (UTC ticks); 0 when nothing was counted.</param>
/// <param name="Count">Requests counted in that window.</param>
internal readonly record struct QuotaCount(long Start, long Count)
{
    /// <summary>The count in the window starting at <paramref name="currentStart"/>.</summary>
    public long In(long currentStart) => Start == currentStart ? Count : 0;
}
