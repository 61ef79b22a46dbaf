namespace Portico.Waf;

/// <summary>
/// The gateway-wide request filter (<c>Portico:Waf</c>): the defaults every route's <c>waf</c> settings start from,
/// and the limits that bound what one request costs to inspect. Off by default.
/// </summary>
public sealed class WafOptions
{
    /// <summary>Whether routes are inspected unless their <c>waf.enabled</c> says otherwise. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>block</c> (default) or <c>detect</c>.</summary>
    public string Mode { get; set; } = "block";

    /// <summary>The inbound anomaly score that blocks a request, 1 to 1000. Default 5: one critical match.</summary>
    public int AnomalyThreshold { get; set; } = 5;

    /// <summary>
    /// How many bytes of a JSON or form body are inspected (default 64 KiB, at most 1 MiB); the rest of a longer body is
    /// forwarded uninspected, like a partial body inspection at the edge.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Rules turned off on every route (each route may add its own).</summary>
    public List<WafExclusionOptions> Exclusions { get; set; } = [];
}
