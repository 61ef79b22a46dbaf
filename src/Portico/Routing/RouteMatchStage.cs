using Microsoft.Net.Http.Headers;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Routing;

/// <summary>
/// Finds the route in the request's snapshot; answers 404 (or 405 with <c>Allow</c>) when none matches, and 400
/// <c>invalid-path</c>, before any route, for a path a backend could read differently (<see cref="RawPathRules"/>).
/// </summary>
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

        // One path for matching and forwarding: a path a backend could read as another route's is refused first.
        if (RequestTarget.Read(http, out var target) is { } refused)
        {
            return ProblemResponse.WriteAsync(http, GatewayProblems.InvalidPath, refused);
        }

        context.Target = target;
        // The match only decides: most routes never read their values, which GatewayContext.RouteValues makes when asked.
        var route = Match(snapshot.Routes, http, out var allowed);
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

    private static CompiledRoute? Match(RouteTable routes, Microsoft.AspNetCore.Http.HttpContext http, out IReadOnlyList<string>? allowed)
    {
        // A CORS preflight is matched by the method it asks about, so the route's cors policy answers it (issue 17).
        allowed = null;
        if (Cors.CorsPreflight.RequestedMethod(http.Request) is { } requested)
        {
            if (routes.Match(http, null, requested, out _) is { Cors: not null } route)
            {
                return route;
            }
        }

        return routes.Match(http, null, out allowed);
    }
}
