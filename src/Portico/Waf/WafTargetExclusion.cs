namespace Portico.Waf;

/// <summary>Rules (a mask over <see cref="WafRuleSet.All"/>) not applied to one target kind, for one name or every name.</summary>
internal readonly record struct WafTargetExclusion(ulong Rules, WafTargetKind Kind, string? Name)
{
    public bool Covers(WafTargetKind kind, string name) =>
        kind == Kind && (Name is null || string.Equals(Name, name, StringComparison.OrdinalIgnoreCase));
}
