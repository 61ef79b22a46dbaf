using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portico.Pipeline;

namespace Portico.Caching;

/// <summary>
/// One cacheable request on its way to the backend: what was looked up, why it is forwarded, and, once the backend's
/// status and headers arrive, whether the response is stored (RFC 9111 §3) and what <c>Cache-Status</c> says. It is
/// also the resilience pipeline's way back to the stored response when the backend fails (<c>stale-if-error</c>):
/// <see cref="Current"/> flows with the request into the backend call.
/// </summary>
internal sealed class CacheExchange
{
    private static readonly AsyncLocal<CacheExchange?> CurrentExchange = new();

    public CacheExchange(GatewayContext context, CachePolicy policy, CachingOptions options, string primaryKey, CacheControl requestDirectives, string? consumer, string?[] keyHeaderValues)
    {
        Context = context;
        Policy = policy;
        Options = options;
        PrimaryKey = primaryKey;
        RequestDirectives = requestDirectives;
        Consumer = consumer;
        KeyHeaderValues = keyHeaderValues;
    }

    /// <summary>The exchange of the request whose backend call is running on this flow, if any.</summary>
    public static CacheExchange? Current
    {
        get => CurrentExchange.Value;
        set => CurrentExchange.Value = value;
    }

    public GatewayContext Context { get; }

    public CachePolicy Policy { get; }

    public CachingOptions Options { get; }

    public string PrimaryKey { get; }

    public CacheControl RequestDirectives { get; }

    public string? Consumer { get; }

    public string?[] KeyHeaderValues { get; }

    /// <summary>The stored response being revalidated, or the stale one <c>stale-if-error</c> may fall back to.</summary>
    public CachedResponse? Candidate { get; set; }

    /// <summary>Whether the gateway put its own validators on the request, so a 304 is for the gateway, not the client.</summary>
    public bool Validating { get; set; }

    /// <summary>The <c>fwd</c> reason of RFC 9211 §2.2: <c>uri-miss</c>, <c>vary-miss</c>, <c>stale</c>, <c>request</c>, <c>bypass</c>, <c>method</c>.</summary>
    public string ForwardReason { get; set; } = "uri-miss";

    /// <summary>Why the response will not be stored, when known before forwarding (the request's <c>no-store</c>, a range request).</summary>
    public string? RequestBypass { get; set; }

    /// <summary>Whether the request waited for another one's backend call and then went itself.</summary>
    public bool Collapsed { get; set; }

    /// <summary>When the request left for the backend (request_time of §4.2.3).</summary>
    public DateTimeOffset RequestTime { get; set; }

    /// <summary>Set by <see cref="StaleIfErrorSource"/> when the backend failed and the stored response went out instead.</summary>
    public int? StaleIfErrorStatus { get; set; }

    /// <summary>Whether <see cref="StaleIfErrorSource"/> answered for this request.</summary>
    public bool ServedStale { get; set; }

    /// <summary>The response's directives, read when it started.</summary>
    public CacheControl ResponseDirectives { get; private set; } = CacheControl.Empty;

    /// <summary>Why the response is not stored, or null when it is.</summary>
    public string? NotStoredBecause { get; private set; }

    /// <summary>The surrogate keys the response carried.</summary>
    public string[] SurrogateKeys { get; private set; } = [];

    /// <summary>The backend's status, once known.</summary>
    public int UpstreamStatus { get; private set; }

    /// <summary>The stored response after a 304 updated it, when the revalidation succeeded.</summary>
    public CachedResponse? Updated { get; set; }

    /// <summary>The cache outcome, for metrics and the access log.</summary>
    public string Outcome { get; set; } = CacheOutcome.Miss;

    /// <summary>Decides what happens to the response as it starts (called once, before its first byte).</summary>
    public CaptureMode OnResponseStarting(HttpResponse response, out long limit)
    {
        limit = Policy.MaxBodySize;
        var headers = response.Headers;
        var status = response.StatusCode;
        UpstreamStatus = status;
        if (ServedStale)
        {
            Outcome = CacheOutcome.StaleIfError;
            CacheStatusBuilder.Append(headers, CacheStatusBuilder.Forward(Options.Name, "stale", StaleIfErrorStatus, stored: false, detail: "stale-if-error"));
            return CaptureMode.Pass;
        }

        if (Validating && status == StatusCodes.Status304NotModified)
        {
            Outcome = CacheOutcome.Revalidated;
            return CaptureMode.Absorb;
        }

        SurrogateKeys = ReadSurrogateKeys(headers);
        NotStoredBecause = RequestBypass ?? WhyNotStorable(response);
        if (NotStoredBecause is null && response.ContentLength is long declared && declared > limit)
        {
            NotStoredBecause = "too-large";
        }

        CacheStatusBuilder.Append(headers, CacheStatusBuilder.Forward(
            Options.Name, ForwardReason, status, stored: NotStoredBecause is null, detail: Collapsed ? "collapsed" : NotStoredBecause));
        return NotStoredBecause is null ? CaptureMode.Store : CaptureMode.Pass;
    }

    /// <summary>
    /// RFC 9111 §3 for a shared cache, with the gateway's additions for callers it authenticated (docs/caching.md);
    /// null when the response may be stored.
    /// </summary>
    private string? WhyNotStorable(HttpResponse response)
    {
        var request = Context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method))
        {
            return "method"; // HEAD answers are served from a stored GET but never fill one
        }

        var status = response.StatusCode;
        if (status < 200 || status is StatusCodes.Status206PartialContent or StatusCodes.Status304NotModified)
        {
            return "status";
        }

        var directives = ResponseDirectives = CacheControl.Parse(response.Headers.CacheControl);
        if (directives.MustUnderstand)
        {
            // §5.2.2.3: only a status whose caching rules the cache implements; then no-store is overridden.
            if (!Freshness.IsUnderstood(status))
            {
                return "must-understand";
            }
        }
        else if (directives.NoStore)
        {
            return "no-store";
        }

        if (directives.Private && !Policy.VaryByConsumer)
        {
            return "private";
        }

        // §3.5: a request with credentials is stored only when the response allows it explicitly. Portico reads this
        // for every caller it authenticated, whatever header carried the credential (API keys too).
        if (!Policy.VaryByConsumer && (request.Headers.ContainsKey(HeaderNames.Authorization) || Context.Identity.IsAuthenticated)
            && !(directives.Public || directives.MustRevalidate || directives.SharedMaxAge is not null))
        {
            return "authorization";
        }

        // A cookie is for the caller it was sent to, unless private="Set-Cookie" (or no-cache="…") keeps it out of the
        // stored response (§5.2.2.7, §5.2.2.4), which then stores the rest.
        if (!Options.StoreSetCookie && !Policy.VaryByConsumer
            && (StoredCookie(response.Headers, directives, HeaderNames.SetCookie) || StoredCookie(response.Headers, directives, "Set-Cookie2")))
        {
            return "set-cookie";
        }

        var vary = response.Headers.Vary;
        if (vary.Count > 0 && VaryNames.Parse(vary) is not { } names)
        {
            return "vary";
        }

        // §3: something must make it reusable: explicit freshness, public, or a heuristically cacheable status.
        if (!(directives.Public || directives.MaxAge is not null || directives.SharedMaxAge is not null || response.Headers.Expires.Count > 0
              || Freshness.IsHeuristicallyCacheable(status) || (Policy.VaryByConsumer && directives.Private)))
        {
            return "not-cacheable";
        }

        return null;
    }

    private static bool StoredCookie(IHeaderDictionary headers, CacheControl directives, string name) =>
        headers.ContainsKey(name) && !StoredResponses.IsNamedBy(directives, name);

    private string[] ReadSurrogateKeys(IHeaderDictionary headers)
    {
        List<string>? keys = null;
        foreach (var name in Options.SurrogateKeyHeaders)
        {
            if (!headers.TryGetValue(name, out var values))
            {
                continue;
            }

            foreach (var line in values)
            {
                foreach (var key in (line ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if ((keys ??= []).Count < 64 && key.Length <= 256)
                    {
                        keys.Add(key);
                    }
                }
            }

            if (Options.StripSurrogateKeyHeaders)
            {
                headers.Remove(name);
            }
        }

        return keys is null ? [] : [.. keys.Distinct(StringComparer.Ordinal)];
    }
}
