using Microsoft.AspNetCore.Http.Features;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// Applies the matched route's request-body limit: a declared <c>Content-Length</c> over it is refused at once
/// with 413; a chunked body is cut off by the server when it crosses it.
/// </summary>
internal sealed class RequestLimitsStage : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var limit = context.Route!.MaxRequestBodySize;
        var http = context.HttpContext;
        if (http.Request.ContentLength > limit)
        {
            return ProblemResponse.WriteAsync(http, GatewayProblems.PayloadTooLarge, $"The body may be at most {limit} bytes.");
        }

        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        return next(context);
    }
}
