namespace Portico.Configuration;

/// <summary>
/// A route's request filter (WAF) settings, over the gateway's <c>Portico:Waf</c> ones: each field left out takes the
/// gateway's value; <see cref="Exclusions"/> add to the gateway's (docs/security.md#request-filter-waf).
/// </summary>
public sealed record WafDefinition
{
    /// <summary>Whether the route's requests are inspected; default <c>Portico:Waf:Enabled</c> (false).</summary>
    public bool? Enabled { get; init; }

    /// <summary><c>block</c> (403 at the threshold) or <c>detect</c> (log and count only); default <c>Portico:Waf:Mode</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>The anomaly score at which a request is blocked (or reported in detect mode), 1 to 1000; default <c>Portico:Waf:AnomalyThreshold</c> (5).</summary>
    public int? AnomalyThreshold { get; init; }

    /// <summary>Rules turned off on this route, everywhere or for named targets only.</summary>
    public IReadOnlyList<WafExclusionDefinition>? Exclusions { get; init; }
}
