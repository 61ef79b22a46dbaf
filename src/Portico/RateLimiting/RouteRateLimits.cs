namespace Portico.RateLimiting;

/// <summary>
/// A route's policy sets, one per plan, computed when the snapshot is compiled: on a request only the consumer's
/// plan is looked up. A plan's set is the route's override for that plan, or else the plan's own policies, plus
/// the route's added policies.
/// </summary>
internal sealed class RouteRateLimits(PolicySet withoutPlan, IReadOnlyDictionary<string, PolicySet> byPlan)
{
    public static readonly RouteRateLimits None = new(PolicySet.Empty, new Dictionary<string, PolicySet>());

    /// <summary>The set for callers without a plan (anonymous, or consumers with none).</summary>
    public PolicySet WithoutPlan { get; } = withoutPlan;

    /// <summary>Whether any policy of the route counts in Table storage (the janitor then warms storage up and heartbeats).</summary>
    public bool UsesSharedStore { get; } =
        withoutPlan.Policies.Any(p => p.Counts && p.StoreIsShared) || byPlan.Values.Any(set => set.Policies.Any(p => p.Counts && p.StoreIsShared));

    public PolicySet For(string? planId) =>
        planId is not null && byPlan.TryGetValue(planId, out var set) ? set : WithoutPlan;
}
