using Portico.Problems;

namespace Portico.Analytics;

/// <summary>Problems of the analytics API.</summary>
internal static class AnalyticsProblems
{
    /// <summary>A time range, grouping or count the API cannot answer; <c>detail</c> names the parameter.</summary>
    public static readonly Problem InvalidQuery = new(400, "invalid-analytics-query", "The analytics query is not valid");

    /// <summary>Analytics are turned off (<c>Portico:Analytics:Enabled</c>).</summary>
    public static readonly Problem Disabled = new(404, "analytics-disabled", "Traffic analytics are turned off on this gateway");
}
