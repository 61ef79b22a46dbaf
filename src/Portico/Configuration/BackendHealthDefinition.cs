namespace Portico.Configuration;

/// <summary>How a backend's destinations are judged healthy, and what happens when none is.</summary>
public sealed record BackendHealthDefinition
{
    /// <summary>Outlier detection on live traffic; on by default for a backend with destinations.</summary>
    public PassiveHealthDefinition? Passive { get; init; }

    /// <summary>Probes of a health path on each destination; off unless present.</summary>
    public ActiveHealthDefinition? Active { get; init; }

    /// <summary>When every destination is ejected: false (default) answers 503 with <c>Retry-After</c>; true sends to all of them anyway.</summary>
    public bool? FailOpen { get; init; }
}
