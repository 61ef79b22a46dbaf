using System.Globalization;
using System.Text.RegularExpressions;

namespace Portico.Tests.RateLimiting;

/// <summary>Reads a <c>RateLimit</c> field value (draft-ietf-httpapi-ratelimit-headers-09) into its items.</summary>
internal static partial class RateLimitField
{
    public static IReadOnlyList<(string Policy, long Remaining, long? Reset)> Parse(string? value)
    {
        var items = new List<(string, long, long?)>();
        foreach (Match match in Item().Matches(value ?? ""))
        {
            long? reset = match.Groups[3].Success ? long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : null;
            items.Add((match.Groups[1].Value, long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), reset));
        }

        return items;
    }

    /// <summary>The one item of <paramref name="policy"/>; fails when absent.</summary>
    public static (long Remaining, long? Reset) Of(string? value, string policy)
    {
        var item = Assert.Single(Parse(value), i => i.Policy == policy);
        return (item.Remaining, item.Reset);
    }

    [GeneratedRegex("\"([^\"]+)\";r=(\\d+)(?:;t=(\\d+))?")]
    private static partial Regex Item();
}
