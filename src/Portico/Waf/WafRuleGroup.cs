using System.Text.RegularExpressions;

namespace Portico.Waf;

/// <summary>Pattern rules whose patterns are also joined into one pre-filter: a value that misses it needs no rule-by-rule scan.</summary>
internal sealed record WafRuleGroup(Regex Filter, WafRule[] Rules);
