using Microsoft.AspNetCore.Http.Features;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// Applies the matched route's request-body limit: a declared <c>Content-Length</c> over it is refused at once
/// with 413; a chunked body is cut off by the server when it crosses it.
/// </summary>
/// <remarks>
/// The early refusal runs before authentication, so no credential is verified for a body the route would refuse
/// anyway. Its detail names the limit only on an anonymous route: on any other, the caller is not yet known, and the
/// limit is the operator's to publish (issue 17).
/// </remarks>
internal sealed class RequestLimitsStage : IGatewayStage
{
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

        return next(context);
    }
}
