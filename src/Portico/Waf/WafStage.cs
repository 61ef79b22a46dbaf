using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Waf;

/// <summary>
/// The request filter (WAF): scores the matched route's request against <see cref="WafRuleSet"/> (path, query
/// arguments, <c>User-Agent</c> and <c>Referer</c>, cookies, and the first bytes of a JSON or form body), then blocks
/// it with 403 <c>request-blocked</c> at the route's threshold, or in detect mode only logs and counts it.
/// </summary>
/// <remarks>
/// It runs after the route match (the route decides whether and how to inspect), the client address lists, load
/// shedding and the body-size limit (all cheaper, and each refuses a request the filter need not read), and before
/// authentication: an attack costs no signature check, key lookup or introspection call, and a flood of payloads
/// spends no credential-verification capacity. The answer never echoes the payload or names the rule.
/// </remarks>
internal sealed class WafStage(WafMetrics metrics, ILogger<WafStage> logger) : IGatewayStage
{
    // Request header names only vulnerability scanners send.
    private static readonly FrozenSet<string> ScannerHeaders = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Acunetix-Aspect", "Acunetix-Aspect-Password", "Acunetix-Aspect-Queries", "X-Scan-Memo", "X-Request-Memo",
        "X-RequestManager-Memo", "X-WIPP", "X-Scanner");

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        if (context.Route!.Waf is not { } policy)
        {
            return next(context);
        }

        var inspection = new WafInspection(policy, logger, context.Route.Id);
        InspectHead(context, inspection);
        var request = context.HttpContext.Request;
        if (inspection.CanContinue && policy.MaxBodyBytes > 0 && request.ContentLength != 0
            && (request.ContentLength is not null || request.Headers.TransferEncoding.Count > 0)
            && WafBody.IsJson(request) is { } json)
        {
            return InspectBodyAsync(context, inspection, json, next);
        }

        return Decide(context, inspection, next);
    }

    private async Task InspectBodyAsync(GatewayContext context, WafInspection inspection, bool json, GatewayDelegate next)
    {
        var http = context.HttpContext;
        byte[] buffer;
        int length;
        bool complete;
        try
        {
            (buffer, length, complete) = await WafBody.ReadPrefixAsync(http, inspection.Policy.MaxBodyBytes);
        }
        catch (BadHttpRequestException ex)
        {
            // The server cut the body at the route's limit (413) or because it arrived too slowly (408).
            await ProblemResponse.WriteAsync(http, ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => GatewayProblems.PayloadTooLarge,
                StatusCodes.Status408RequestTimeout => GatewayProblems.RequestTimeout,
                _ => GatewayProblems.BadRequest,
            });
            return;
        }
        catch (IOException) when (!http.RequestAborted.IsCancellationRequested)
        {
            await ProblemResponse.WriteAsync(http, GatewayProblems.BadRequest);
            return;
        }

        if (json)
        {
            WafBody.InspectJson(inspection, buffer.AsSpan(0, length), complete);
        }
        else
        {
            WafBody.InspectForm(inspection, buffer.AsSpan(0, length));
        }

        await Decide(context, inspection, next);
    }

    /// <summary>Everything but the body: framing, the path, query arguments, the inspected headers and cookies.</summary>
    private static void InspectHead(GatewayContext context, WafInspection inspection)
    {
        var request = context.HttpContext.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            inspection.Report("proto-01", WafTargetKind.Request, "request");
        }

        if (hasBody && string.IsNullOrEmpty(request.ContentType))
        {
            inspection.Report("proto-05", WafTargetKind.Request, "request");
        }

        if (HasInvalidEscape(context.Target.Path.Span) || HasInvalidEscape(request.QueryString.Value))
        {
            inspection.Report("proto-03", WafTargetKind.Request, "request");
        }

        foreach (var header in request.Headers)
        {
            if (ScannerHeaders.Contains(header.Key))
            {
                inspection.Report("scan-02", WafTargetKind.Request, "request");
                break;
            }
        }

        inspection.Check(WafTargetKind.Path, "path", request.Path.Value);
        foreach (var (name, values) in request.Query)
        {
            inspection.Check(WafTargetKind.Query, name, name);
            foreach (var value in values)
            {
                inspection.Check(WafTargetKind.Query, name, value);
            }
        }

        foreach (var value in request.Headers.UserAgent)
        {
            inspection.Check(WafTargetKind.Header, "user-agent", value);
        }

        foreach (var value in request.Headers.Referer)
        {
            inspection.Check(WafTargetKind.Header, "referer", value);
        }

        if (request.Headers.Cookie.Count > 0)
        {
            foreach (var (name, value) in request.Cookies)
            {
                inspection.Check(WafTargetKind.Cookie, name, name);
                inspection.Check(WafTargetKind.Cookie, name, value);
            }
        }
    }

    /// <summary>A <c>%</c> not followed by two hex digits (RFC 3986 §2.1).</summary>
    private static bool HasInvalidEscape(ReadOnlySpan<char> text)
    {
        for (var at = text.IndexOf('%'); at >= 0; at = text.IndexOf('%'))
        {
            if (at + 2 >= text.Length || !char.IsAsciiHexDigit(text[at + 1]) || !char.IsAsciiHexDigit(text[at + 2]))
            {
                return true;
            }

            text = text[(at + 3)..];
        }

        return false;
    }

    private Task Decide(GatewayContext context, WafInspection inspection, GatewayDelegate next)
    {
        if (inspection.Matched == 0)
        {
            return next(context);
        }

        var policy = inspection.Policy;
        var routeId = context.Route!.Id;
        var mode = policy.Mode == WafMode.Block ? "block" : "detect";
        foreach (var rule in WafRuleSet.All)
        {
            if ((inspection.Matched & (1UL << rule.Index)) != 0)
            {
                metrics.Matches.Add(1, new("rule", rule.Id), new("portico.route", routeId), new("mode", mode));
            }
        }

        if (inspection.Score < policy.Threshold)
        {
            return next(context);
        }

        var rules = string.Join(',', WafRuleSet.All.Where(r => (inspection.Matched & (1UL << r.Index)) != 0).Select(r => r.Id));
        if (policy.Mode == WafMode.Detect)
        {
            metrics.Verdicts.Add(1, new("portico.route", routeId), new("action", "detected"));
            WafLog.Detected(logger, routeId, inspection.Score, policy.Threshold, rules);
            return next(context);
        }

        metrics.Verdicts.Add(1, new("portico.route", routeId), new("action", "blocked"));
        WafLog.Blocked(logger, routeId, inspection.Score, policy.Threshold, rules);
        return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.RequestBlocked);
    }
}
