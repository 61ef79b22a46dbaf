using System.Text.RegularExpressions;

namespace Portico.Waf;

/// <summary>
/// One built-in rule: a stable id (used in exclusions, logs and metrics), its category, the weight it adds to the
/// anomaly score, and either a pattern over the normalised value of each target it applies to, or (for the protocol
/// checks that look at the request as a whole) no pattern, when <see cref="WafRuleSet"/> evaluates it in code.
/// </summary>
public sealed class WafRule
{
    internal WafRule(int index, string id, string category, WafSeverity severity, WafTargetKind targets, string description, string? pattern, string? onlyHeader = null)
    {
        Index = index;
        Id = id;
        Category = category;
        Severity = severity;
        Targets = targets;
        Description = description;
        Pattern = pattern;
        OnlyHeader = onlyHeader;

        // Linear time whatever the input: the non-backtracking engine cannot run away on a crafted value.
        Regex = pattern is null ? null : new Regex(pattern, WafRuleSet.PatternOptions);
    }

    /// <summary>Position in <see cref="WafRuleSet.All"/>; a bit in a 64-bit match mask.</summary>
    internal int Index { get; }

    /// <summary>The rule id, for example <c>sqli-01</c>.</summary>
    public string Id { get; }

    /// <summary>The category (<c>sqli</c>, <c>xss</c>, <c>lfi</c>, <c>rfi</c>, <c>rce</c>, <c>proto</c>, <c>scan</c>); an exclusion may name it to cover all its rules.</summary>
    public string Category { get; }

    /// <summary>The weight added to the anomaly score when the rule matches.</summary>
    public WafSeverity Severity { get; }

    /// <summary>The targets the rule inspects.</summary>
    public WafTargetKind Targets { get; }

    /// <summary>What the rule detects, for docs and logs.</summary>
    public string Description { get; }

    /// <summary>The pattern over normalised (decoded, lower-case) values; null for a check written in code.</summary>
    public string? Pattern { get; }

    /// <summary>For a header rule, the one header it reads (lower case); null for every inspected header.</summary>
    internal string? OnlyHeader { get; }

    internal Regex? Regex { get; }
}
