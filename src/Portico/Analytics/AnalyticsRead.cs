namespace Portico.Analytics;

/// <summary>The rows a store read for a query, and whether it stopped at the row bound.</summary>
internal sealed record AnalyticsRead(IReadOnlyList<AnalyticsRow> Rows, bool Truncated);
