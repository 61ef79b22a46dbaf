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
        // A CORS preflight is matched by the method it asks about, so the route's cors policy answers it (issue 17).
        CompiledRoute? route = null;
        IReadOnlyList<string>? allowed = null;
        if (Cors.CorsPreflight.RequestedMethod(http.Request) is { } requested)
        {
            route = snapshot.Routes.Match(http, context.RouteValues, requested, out _);
            if (route?.Cors is null)
            {
                route = null;
                context.RouteValues.Clear();
            }
        }

        route ??= snapshot.Routes.Match(http, context.RouteValues, out allowed);
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
