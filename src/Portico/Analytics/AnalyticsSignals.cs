using Portico.Caching;
using Portico.Problems;

namespace Portico.Analytics;

/// <summary>
/// The fixed vocabularies a rollup counts by: authentication failure reasons (the problem codes of 401 and 403 answers
/// about credentials), cache outcomes (docs/caching.md) and the problems that mean the upstream failed. Fixed lists keep
/// a rollup cell a handful of arrays, and recording a request a few reference comparisons.
/// </summary>
internal static class AnalyticsSignals
{
    /// <summary>Authentication and authorization refusals, by problem code.</summary>
    public static readonly Problem[] AuthProblems =
    [
        GatewayProblems.AuthenticationRequired, GatewayProblems.InvalidToken, GatewayProblems.InvalidApiKey,
        GatewayProblems.InvalidClientCertificate, GatewayProblems.Forbidden, GatewayProblems.InsufficientScope,
    ];

    /// <summary>The names of <see cref="AuthProblems"/>, as rollups store them.</summary>
    public static readonly string[] AuthReasons = [.. AuthProblems.Select(p => p.Code)];

    /// <summary>Cache outcomes, as <see cref="CacheOutcome"/> names them.</summary>
    public static readonly string[] CacheOutcomes =
    [
        CacheOutcome.Hit, CacheOutcome.Stale, CacheOutcome.StaleIfError, CacheOutcome.Coalesced,
        CacheOutcome.Revalidated, CacheOutcome.Miss, CacheOutcome.Bypass,
    ];

    private static readonly Problem[] UpstreamProblems =
    [
        GatewayProblems.BadGateway, GatewayProblems.GatewayTimeout, GatewayProblems.CircuitOpen,
        GatewayProblems.BackendBusy, GatewayProblems.PartFailed, GatewayProblems.PartTimeout,
    ];

    /// <summary>The index of <paramref name="problem"/> in <see cref="AuthProblems"/>, or −1.</summary>
    public static int AuthReasonOf(Problem? problem)
    {
        if (problem is null || problem.Status is not (401 or 403))
        {
            return -1;
        }

        for (var i = 0; i < AuthProblems.Length; i++)
        {
            if (ReferenceEquals(AuthProblems[i], problem) || AuthProblems[i].Code == problem.Code)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether <paramref name="problem"/> says the upstream failed or was not called because it is failing.</summary>
    public static bool IsUpstreamError(Problem? problem)
    {
        if (problem is null || problem.Status < 500)
        {
            return false;
        }

        foreach (var upstream in UpstreamProblems)
        {
            if (ReferenceEquals(upstream, problem))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The index of <paramref name="outcome"/> in <see cref="CacheOutcomes"/>, or −1.</summary>
    public static int CacheOutcomeOf(string? outcome)
    {
        if (outcome is null)
        {
            return -1;
        }

        for (var i = 0; i < CacheOutcomes.Length; i++)
        {
            if (ReferenceEquals(CacheOutcomes[i], outcome) || CacheOutcomes[i] == outcome)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The status class of <paramref name="status"/>: 1 to 5, or 0 for anything outside 100–599.</summary>
    public static int StatusClassOf(int status) => status is >= 100 and < 600 ? status / 100 : 0;
}
