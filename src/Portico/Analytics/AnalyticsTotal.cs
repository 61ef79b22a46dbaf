namespace Portico.Analytics;

/// <summary>A sum of rollup rows (a group, a point of the series or everything), with requests by status class.</summary>
internal sealed class AnalyticsTotal
{
    /// <summary>The summed counters.</summary>
    public AnalyticsCounts Counts { get; } = new();

    /// <summary>Requests by status class, indexed 0 (none) to 5 (5xx).</summary>
    public long[] ByClass { get; } = new long[6];

    /// <summary>Adds <paramref name="row"/>.</summary>
    public void Add(AnalyticsRow row)
    {
        Counts.Add(row.Counts);
        ByClass[(uint)row.StatusClass < 6 ? row.StatusClass : 0] += row.Counts.Requests;
    }

    /// <summary>Authentication and authorization refusals of every reason.</summary>
    public long AuthFailures => Counts.AuthFailures.Sum();

    /// <summary>The share of requests answered 5xx, or 0 without requests.</summary>
    public double ErrorRate => Counts.Requests == 0 ? 0 : (double)ByClass[5] / Counts.Requests;
}
