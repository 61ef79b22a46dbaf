using Portico.Configuration;

namespace Portico.Waf;

/// <summary>
/// Builds a route's <see cref="WafPolicy"/> from the gateway's <c>Portico:Waf</c> settings and the route's <c>waf</c>
/// field, reporting each invalid field by its path (<c>waf.exclusions[0].rules[1]</c>).
/// </summary>
internal static class WafCompiler
{
    private static readonly string[] Kinds = ["path", "request", "query", "body", "header", "cookie"];

    /// <summary>The route's policy; null when the filter is off for it (or its settings have errors, all reported).</summary>
    public static WafPolicy? Compile(WafOptions gateway, WafDefinition? route, Action<string, string> error)
    {
        if (!(route?.Enabled ?? gateway.Enabled))
        {
            // Still checked: a setting that is wrong today is wrong the day the filter is turned on.
            if (route is not null)
            {
                CheckRoute(route, error);
            }

            return null;
        }

        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            error(field, message);
        }

        // The rules' patterns are built on first use, which takes a moment: here, while the registry compiles, rather
        // than on a route's first request (and never on a gateway where no route is inspected).
        _ = WafRuleSet.All;
        var mode = ParseMode(gateway.Mode) ?? WafMode.Block; // the gateway's settings were checked at start-up
        var threshold = gateway.AnomalyThreshold;
        ulong disabled = 0;
        var targeted = new List<WafTargetExclusion>();
        foreach (var exclusion in gateway.Exclusions)
        {
            AddExclusion(exclusion.Rules, exclusion.Targets, "", static (_, _) => { }, ref disabled, targeted);
        }

        if (route is not null)
        {
            if (route.Mode is { } text)
            {
                mode = ParseMode(text) ?? WafMode.Block;
            }

            threshold = route.AnomalyThreshold ?? threshold;
            CheckRoute(route, Fail);
            for (int i = 0; i < (route.Exclusions?.Count ?? 0); i++)
            {
                var exclusion = route.Exclusions![i];
                AddExclusion(exclusion.Rules, exclusion.Targets, $"exclusions[{i}].", (_, _) => { }, ref disabled, targeted);
            }
        }

        return ok ? new WafPolicy(mode, threshold, gateway.MaxBodyBytes, disabled, [.. targeted]) : null;
    }

    /// <summary>Checks the gateway-wide settings; each message names its setting (<c>Portico:Waf:Exclusions:0:Rules:1</c>).</summary>
    public static void CheckGateway(WafOptions options, List<string> errors)
    {
        if (ParseMode(options.Mode) is null)
        {
            errors.Add($"Portico:Waf:Mode '{options.Mode}' must be 'block' or 'detect'.");
        }

        if (options.AnomalyThreshold is < 1 or > 1000)
        {
            errors.Add($"Portico:Waf:AnomalyThreshold {options.AnomalyThreshold} must be 1 to 1000.");
        }

        if (options.MaxBodyBytes is < 0 or > 1024 * 1024)
        {
            errors.Add($"Portico:Waf:MaxBodyBytes {options.MaxBodyBytes} must be 0 (bodies not inspected) to 1048576 bytes.");
        }

        ulong ignored = 0;
        for (int i = 0; i < options.Exclusions.Count; i++)
        {
            var exclusion = options.Exclusions[i];
            AddExclusion(exclusion.Rules, exclusion.Targets, $"exclusions[{i}].",
                (field, message) => errors.Add($"Portico:Waf:{ToSettingPath(field)}: {message}."), ref ignored, []);
        }
    }

    private static void CheckRoute(WafDefinition route, Action<string, string> error)
    {
        if (route.Mode is { } mode && ParseMode(mode) is null)
        {
            error("waf.mode", $"'{mode}' is not a mode: 'block' or 'detect'");
        }

        if (route.AnomalyThreshold is < 1 or > 1000)
        {
            error("waf.anomalyThreshold", "must be 1 to 1000 (5 blocks on one critical match)");
        }

        ulong ignored = 0;
        for (int i = 0; i < (route.Exclusions?.Count ?? 0); i++)
        {
            var exclusion = route.Exclusions![i];
            AddExclusion(exclusion.Rules, exclusion.Targets, $"waf.exclusions[{i}].", error, ref ignored, []);
        }
    }

    private static WafMode? ParseMode(string? text) => text switch
    {
        "block" => WafMode.Block,
        "detect" => WafMode.Detect,
        _ => null,
    };

    /// <summary>Adds one exclusion: its rule mask everywhere (no targets) or per target.</summary>
    private static void AddExclusion(
        IReadOnlyList<string>? rules, IReadOnlyList<string>? targets, string prefix, Action<string, string> error, ref ulong disabled, List<WafTargetExclusion> targeted)
    {
        if (rules is null || rules.Count == 0)
        {
            error(prefix + "rules", "name at least one rule id (such as 'sqli-02') or category (such as 'xss')");
            return;
        }

        ulong mask = 0;
        for (int i = 0; i < rules.Count; i++)
        {
            var name = rules[i] ?? "";
            if (WafRuleSet.Find(name) is { } rule)
            {
                mask |= 1UL << rule.Index;
            }
            else if (WafRuleSet.Categories.Contains(name.ToLowerInvariant()))
            {
                foreach (var member in WafRuleSet.All.Where(r => r.Category == name.ToLowerInvariant()))
                {
                    mask |= 1UL << member.Index;
                }
            }
            else
            {
                error($"{prefix}rules[{i}]", $"'{name}' is neither a rule id nor a category ({string.Join(", ", WafRuleSet.Categories)}); docs/security.md lists the rules");
            }
        }

        if (targets is null || targets.Count == 0)
        {
            disabled |= mask;
            return;
        }

        for (int i = 0; i < targets.Count; i++)
        {
            if (ParseTarget(targets[i]) is { } target)
            {
                targeted.Add(target with { Rules = mask });
            }
            else
            {
                error($"{prefix}targets[{i}]",
                    $"'{targets[i]}' is not a target: 'path', 'request', or 'query:NAME', 'body:NAME', 'header:NAME', 'cookie:NAME' ('*' for every name)");
            }
        }
    }

    private static WafTargetExclusion? ParseTarget(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var colon = text.IndexOf(':');
        var kindText = colon < 0 ? text : text[..colon];
        var name = colon < 0 ? null : text[(colon + 1)..];
        if (Array.IndexOf(Kinds, kindText) is var at and >= 0)
        {
            var kind = at switch
            {
                0 => WafTargetKind.Path,
                1 => WafTargetKind.Request,
                2 => WafTargetKind.Query,
                3 => WafTargetKind.Body,
                4 => WafTargetKind.Header,
                _ => WafTargetKind.Cookie,
            };

            // path and request have no names; the others need one ('*' for all).
            if (kind is WafTargetKind.Path or WafTargetKind.Request)
            {
                return name is null ? new WafTargetExclusion(0, kind, null) : null;
            }

            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            return new WafTargetExclusion(0, kind, name == "*" ? null : name);
        }

        return null;
    }

    private static string ToSettingPath(string field)
    {
        // exclusions[0].rules[1] → Exclusions:0:Rules:1
        var parts = field.Replace("[", ":", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Split('.', ':');
        return string.Join(':', parts.Select(p => p.Length > 0 && char.IsLetter(p[0]) ? char.ToUpperInvariant(p[0]) + p[1..] : p));
    }
}
