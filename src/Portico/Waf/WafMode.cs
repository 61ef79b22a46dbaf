namespace Portico.Waf;

/// <summary>What the request filter does with a request whose anomaly score reaches the threshold.</summary>
public enum WafMode
{
    /// <summary>Refuse it with 403 <c>request-blocked</c>.</summary>
    Block,

    /// <summary>Log and count it, and let it through (to tune exclusions on real traffic before blocking).</summary>
    Detect,
}
