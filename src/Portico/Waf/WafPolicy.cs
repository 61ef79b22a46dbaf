namespace Portico.Waf;

/// <summary>
/// A route's compiled request filter: mode, threshold, body inspection limit and exclusions (gateway-wide and the
/// route's), built once with the snapshot.
/// </summary>
internal sealed class WafPolicy
{
    private readonly ulong _disabled;
    private readonly WafTargetExclusion[] _targeted;

    public WafPolicy(WafMode mode, int threshold, int maxBodyBytes, ulong disabled, WafTargetExclusion[] targeted)
    {
        Mode = mode;
        Threshold = threshold;
        MaxBodyBytes = maxBodyBytes;
        _disabled = disabled;
        _targeted = targeted;
    }

    public WafMode Mode { get; }

    public int Threshold { get; }

    public int MaxBodyBytes { get; }

    /// <summary>Whether <paramref name="rule"/> is off on this route, or off for this target.</summary>
    public bool Excludes(WafRule rule, WafTargetKind kind, string name)
    {
        var bit = 1UL << rule.Index;
        if ((_disabled & bit) != 0)
        {
            return true;
        }

        foreach (var exclusion in _targeted)
        {
            if ((exclusion.Rules & bit) != 0 && exclusion.Covers(kind, name))
            {
                return true;
            }
        }

        return false;
    }
}
