namespace Portico.Waf;

/// <summary>A gateway-wide exclusion (<c>Portico:Waf:Exclusions:N</c>), with the meaning of a route's <c>waf.exclusions[N]</c>.</summary>
public sealed class WafExclusionOptions
{
    /// <summary>Rule ids or categories.</summary>
    public List<string> Rules { get; set; } = [];

    /// <summary>Targets (<c>query:q</c>, <c>header:referer</c>, …); every target when empty.</summary>
    public List<string> Targets { get; set; } = [];
}
