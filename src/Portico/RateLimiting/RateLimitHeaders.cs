using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Portico.RateLimiting;

/// <summary>
/// The <c>RateLimit-Policy</c> and <c>RateLimit</c> response fields of the IETF httpapi draft
/// "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-09): both are structured-field lists
/// (RFC 8941) of items named by a string, with parameters <c>q</c> (quota units), <c>w</c> (window, seconds) and
/// <c>qu</c> (quota unit) in the policy field, and <c>r</c> (remaining) and <c>t</c> (seconds until reset) in the
/// live field. A policy contributes one item for its rate (<c>"id"</c>: q = burst, w = seconds to refill the whole
/// burst), one per quota (<c>"id/day"</c>), and one for its concurrency limit (<c>"id/concurrency"</c>).
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string LiveHeader = "RateLimit";

    /// <summary>The nominal window of each period in seconds (a month is written as 30 days; <c>t</c> is exact).</summary>
    private static readonly long[] NominalWindowSeconds = [3600, 86400, 30 * 86400];

    /// <summary>A policy's items of <c>RateLimit-Policy</c>, prepared when the snapshot is compiled.</summary>
    public static string PolicyItems(CompiledRateLimitPolicy policy)
    {
        var builder = new StringBuilder();
        var limits = policy.Limits;
        if (limits.HasRate)
        {
            var refill = limits.Tolerance;
            var window = Math.Max(1, (refill + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
            Item(builder, policy.Id, null).Append(CultureInfo.InvariantCulture, $";q={limits.Burst};w={window}");
        }

        foreach (var period in QuotaWindow.AllPeriods)
        {
            if (limits.HasQuota(period))
            {
                Item(builder, policy.Id, QuotaWindow.Name(period))
                    .Append(CultureInfo.InvariantCulture, $";q={limits.Quota(period)};w={NominalWindowSeconds[(int)period]}");
            }
        }

        if (policy.Concurrency > 0)
        {
            Item(builder, policy.Id, "concurrency").Append(CultureInfo.InvariantCulture, $";q={policy.Concurrency};qu=\"concurrent-requests\"");
        }

        return builder.ToString();
    }

    /// <summary>Joins prepared policy items into one field value; null when there are none.</summary>
    public static string? JoinPolicies(IEnumerable<CompiledRateLimitPolicy> policies)
    {
        var items = policies.Select(p => p.PolicyHeaderItems).Where(s => s.Length > 0).ToList();
        return items.Count == 0 ? null : string.Join(", ", items);
    }

    /// <summary>
    /// Writes the live <c>RateLimit</c> value for the first <paramref name="count"/> policies of one request (those shown on a
    /// response that was, or was not, <paramref name="limited"/>),
    /// into one string: the only allocation of the headers on the request path.
    /// </summary>
    public static string? Live(CompiledRateLimitPolicy[] policies, RateLimitDecision[] decisions, int count, bool limited)
    {
        var handler = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        var any = false;
        for (int i = 0; i < count; i++)
        {
            var policy = policies[i];
            if (!Includes(policy, limited))
            {
                continue;
            }

            ref var decision = ref decisions[i];
            if (decision.Outcome == RateLimitOutcome.Unavailable)
            {
                continue; // counters unreachable: nothing true to report
            }

            // A refusal never claims remaining quota (issue 23): a leased counter refuses while the shared bucket as
            // it last saw it still holds tokens (they are another instance's share, or fewer than a lease), and a
            // refusal repeated from memory carries the bucket as it was. What refused this request shows r=0.
            var limits = policy.Limits;
            if (limits.HasRate)
            {
                var remaining = decision.Outcome == RateLimitOutcome.Limited ? 0 : decision.RateRemaining;
                Append(ref handler, ref any, policy.Id, null, remaining, decision.RateResetTicks);
            }

            foreach (var period in QuotaWindow.AllPeriods)
            {
                if (limits.HasQuota(period))
                {
                    var remaining = decision.Outcome == RateLimitOutcome.QuotaExceeded && decision.ExceededPeriod == period ? 0 : decision.QuotaRemaining[(int)period];
                    Append(ref handler, ref any, policy.Id, QuotaWindow.Name(period), remaining, decision.QuotaResetTicks[(int)period]);
                }
            }

            if (policy.Concurrency > 0 && decision.State is { } state)
            {
                Append(ref handler, ref any, policy.Id, "concurrency", Math.Max(0, policy.Concurrency - state.InFlight), -1);
            }
        }

        if (!any)
        {
            handler.ToStringAndClear();
            return null;
        }

        return handler.ToStringAndClear();
    }

    /// <summary>Whether a policy appears in the headers of a response that was (or was not) limited.</summary>
    public static bool Includes(CompiledRateLimitPolicy policy, bool limited) =>
        policy.Headers == RateLimitHeaderMode.All || (limited && policy.Headers == RateLimitHeaderMode.Limited);

    /// <summary>Prepared texts of small whole numbers of seconds, so most <c>Retry-After</c> values allocate nothing.</summary>
    private static readonly string[] SecondsTexts = [.. Enumerable.Range(0, 3601).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The text of <paramref name="seconds"/> for a header.</summary>
    public static string SecondsText(long seconds) =>
        (ulong)seconds < (ulong)SecondsTexts.Length ? SecondsTexts[seconds] : seconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whole seconds for a header, rounded up: a client waiting that long is never early.</summary>
    public static long Seconds(long ticks) => ticks <= 0 ? 0 : (ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    private static void Append(ref DefaultInterpolatedStringHandler handler, ref bool any, string id, string? suffix, long remaining, long resetTicks)
    {
        if (any)
        {
            handler.AppendLiteral(", ");
        }

        any = true;
        handler.AppendLiteral("\"");
        handler.AppendLiteral(id);
        if (suffix is not null)
        {
            handler.AppendLiteral("/");
            handler.AppendLiteral(suffix);
        }

        handler.AppendLiteral("\";r=");
        handler.AppendFormatted(remaining);
        if (resetTicks >= 0)
        {
            handler.AppendLiteral(";t=");
            handler.AppendFormatted(Seconds(resetTicks));
        }
    }

    private static StringBuilder Item(StringBuilder builder, string id, string? suffix)
    {
        if (builder.Length > 0)
        {
            builder.Append(", ");
        }

        builder.Append('"').Append(id);
        if (suffix is not null)
        {
            builder.Append('/').Append(suffix);
        }

        return builder.Append('"');
    }
}
