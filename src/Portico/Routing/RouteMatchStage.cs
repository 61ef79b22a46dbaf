using Microsoft.Net.Http.Headers;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Routing;

/// <summary>Finds the route in the request's snapshot; answers 404 (or 405 with <c>Allow</c>) when none matches.</summary>
internal sealed class RouteMatchStage : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var snapshot = context.Snapshot;
        var http = context.HttpContext;
        if (!snapshot.IsLoaded)
        {
            http.Response.Headers[HeaderNames.RetryAfter] = "1";
            return ProblemResponse.WriteAsync(http, GatewayProblems.NotReady);
        }

        var route = snapshot.Routes.Match(http, context.RouteValues, out var allowed);
        if (route is null)
        {
            if (allowed is not null)
            {
                http.Response.Headers[HeaderNames.Allow] = string.Join(", ", allowed);
                return ProblemResponse.WriteAsync(http, GatewayProblems.MethodNotAllowed);
            }

            return ProblemResponse.WriteAsync(http, GatewayProblems.RouteNotFound);
        }

        context.Route = route;
        return next(context);
    }
}
