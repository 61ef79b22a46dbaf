using Microsoft.Extensions.Logging;

namespace Portico.Waf;

/// <summary>
/// One request's inspection: feeds each target's value through the rules that apply to it, adds each matched rule's
/// weight to the anomaly score once, and stops once the cost budget (values and characters) is spent or, in block
/// mode, once the score reaches the threshold (the answer cannot change any more).
/// </summary>
internal sealed class WafInspection(WafPolicy policy, ILogger logger, string routeId)
{
    /// <summary>Longest part of one value inspected, in characters.</summary>
    public const int MaxValueLength = 16 * 1024;

    /// <summary>Most values (names and values of arguments, headers, cookies, JSON members) inspected per request.</summary>
    public const int MaxValues = 1024;

    /// <summary>Most characters inspected per request, over all values.</summary>
    public const int MaxCharacters = 256 * 1024;

    private int _valuesLeft = MaxValues;
    private int _charactersLeft = MaxCharacters;

    public WafPolicy Policy => policy;

    /// <summary>The anomaly score so far.</summary>
    public int Score { get; private set; }

    /// <summary>The matched rules, a bit per <see cref="WafRule.Index"/>.</summary>
    public ulong Matched { get; private set; }

    /// <summary>Whether the verdict is settled: block mode at the threshold.</summary>
    public bool Settled => policy.Mode == WafMode.Block && Score >= policy.Threshold;

    /// <summary>Whether the budget ran out before every value was inspected.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Whether more values may be inspected.</summary>
    public bool CanContinue => !Settled && !Truncated;

    /// <summary>Runs the pattern rules of <paramref name="kind"/> over one value.</summary>
    public void Check(WafTargetKind kind, string name, ReadOnlySpan<char> value)
    {
        if (!CanContinue || value.IsEmpty)
        {
            return;
        }

        if (--_valuesLeft < 0 || _charactersLeft <= 0)
        {
            OutOfBudget();
            return;
        }

        var length = Math.Min(Math.Min(value.Length, MaxValueLength), _charactersLeft);
        _charactersLeft -= length;
        var normalized = WafTransforms.Normalize(value, length);
        foreach (var group in WafRuleSet.For(kind))
        {
            if (!group.Filter.IsMatch(normalized))
            {
                continue;
            }

            foreach (var rule in group.Rules)
            {
                if ((Matched & (1UL << rule.Index)) != 0
                    || (rule.Targets & kind) == 0
                    || (rule.OnlyHeader is { } header && !string.Equals(header, name, StringComparison.OrdinalIgnoreCase))
                    || policy.Excludes(rule, kind, name)
                    || !rule.Regex!.IsMatch(normalized))
                {
                    continue;
                }

                Hit(rule, kind, name);
                if (Settled)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Records a match of a rule checked in code (no pattern), unless it is excluded for the target.</summary>
    public void Report(string ruleId, WafTargetKind kind, string name)
    {
        var rule = WafRuleSet.Get(ruleId);
        if (!Settled && (Matched & (1UL << rule.Index)) == 0 && !policy.Excludes(rule, kind, name))
        {
            Hit(rule, kind, name);
        }
    }

    private void Hit(WafRule rule, WafTargetKind kind, string name)
    {
        Matched |= 1UL << rule.Index;
        Score += (int)rule.Severity;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            WafLog.RuleMatched(logger, routeId, rule.Id, Describe(kind, name), (int)rule.Severity);
        }
    }

    private void OutOfBudget()
    {
        Truncated = true;
        Report("proto-07", WafTargetKind.Request, "request");
    }

    /// <summary>A target's name for logs: <c>query:q</c>, never its value; a name the client chose is cut to 64 characters.</summary>
    public static string Describe(WafTargetKind kind, string name)
    {
        var prefix = kind switch
        {
            WafTargetKind.Path => "path",
            WafTargetKind.Query => "query:",
            WafTargetKind.Body => "body:",
            WafTargetKind.Header => "header:",
            WafTargetKind.Cookie => "cookie:",
            _ => "request",
        };

        if (kind is WafTargetKind.Path or WafTargetKind.Request)
        {
            return prefix;
        }

        var safe = name.Length > 64 ? name[..64] + "…" : name;
        return prefix + string.Concat(safe.Select(c => char.IsControl(c) ? '?' : c));
    }
}
