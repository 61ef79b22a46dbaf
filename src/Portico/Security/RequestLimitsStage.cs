using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// Applies the matched route's request-body limit: a declared <c>Content-Length</c> over it is refused at once
/// with 413; a chunked body is cut off by the server when it crosses it. It also sets the slowest pace the body
/// may arrive at (<c>Portico:Limits:MinRequestBodyDataRate</c>), the same under both hosts.
/// </summary>
/// <remarks>
/// The early refusal runs before authentication, so no credential is verified for a body the route would refuse
/// anyway. Its detail names the limit only on an anonymous route: on any other, the caller is not yet known, and the
/// limit is the operator's to publish (issue 17).
/// </remarks>
internal sealed class RequestLimitsStage(IOptions<PorticoOptions> options) : IGatewayStage
{
    // Built once: the server keeps a reference, so one instance serves every request.
    private readonly MinDataRate? _minBodyRate = options.Value.Limits.MinRequestBodyDataRate is > 0 and var rate
        ? new MinDataRate(rate, options.Value.Limits.RequestBodyGracePeriod)
        : null;

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var limit = context.Route!.MaxRequestBodySize;
        var http = context.HttpContext;
        if (http.Request.ContentLength > limit)
        {
            var detail = context.Route.Auth.IsAnonymous ? $"The body may be at most {limit} bytes." : null;
            return ProblemResponse.WriteAsync(http, GatewayProblems.PayloadTooLarge, detail);
        }

        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        // HTTP/1.x only: Kestrel enforces the server-wide rate on HTTP/2 and HTTP/3 streams and refuses a per-request one.
        if (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
        {
            if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } pace)
            {
                pace.MinDataRate = _minBodyRate;
            }
        }

        return next(context);
    }

    /// <summary>What a client that sent its body too slowly is told (408 <c>request-timeout</c>).</summary>
    public static string SlowBodyDetail(LimitsOptions limits) =>
        $"The request body arrived slower than {limits.MinRequestBodyDataRate} bytes per second (after a grace period of {limits.RequestBodyGracePeriod.TotalSeconds:0.#} s).";
}
