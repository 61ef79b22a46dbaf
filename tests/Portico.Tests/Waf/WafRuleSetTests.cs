using System.Text.RegularExpressions;
using Portico.Waf;

namespace Portico.Tests.Waf;

/// <summary>The built-in rules: stable unique ids, every pattern on the non-backtracking engine, and the normalisation they read.</summary>
public sealed class WafRuleSetTests
{
    [Fact]
    public void All_EveryPatternRule_UsesTheNonBacktrackingEngine()
    {
        Assert.NotEmpty(WafRuleSet.All);
        Assert.InRange(WafRuleSet.All.Count, 1, 64); // a request's matches are a 64-bit mask
        foreach (var rule in WafRuleSet.All.Where(r => r.Pattern is not null))
        {
            var regex = new Regex(rule.Pattern!, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
            Assert.True(regex.Options.HasFlag(RegexOptions.NonBacktracking), rule.Id);
        }
    }

    [Fact]
    public void All_Ids_AreUniqueAndNameTheirCategory()
    {
        Assert.Equal(WafRuleSet.All.Count, WafRuleSet.All.Select(r => r.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var rule in WafRuleSet.All)
        {
            Assert.Matches("^[a-z]+-[0-9]{2}$", rule.Id);
            Assert.Contains(rule.Category, WafRuleSet.Categories);
            Assert.StartsWith(rule.Category + "-", rule.Id, StringComparison.Ordinal);
        }
    }
}
