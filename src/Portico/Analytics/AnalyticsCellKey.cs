namespace Portico.Analytics;

/// <summary>
/// What a rollup cell counts: a route (empty when none matched), a consumer (empty when anonymous or not mapped to one) and a
/// status class (1–5, 0 for none). The strings are the snapshot's and the identity's own, so building a key allocates nothing.
/// </summary>
internal readonly record struct AnalyticsCellKey(string Route, string Consumer, int StatusClass)
{
    /// <summary>The route and consumer of the cell that counts combinations beyond the per-minute cap.</summary>
    public const string Other = "(other)";
}
