using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// Runs the matched route's authentication policy. On success the verified identity goes on
/// <see cref="GatewayContext.Identity"/>; otherwise the request is answered here (401 with <c>WWW-Authenticate</c>,
/// or 503 when the verifier is unreachable), counted and logged by reason, and no backend is called.
/// </summary>
internal sealed class AuthenticationStage(AuthMetrics metrics, ILogger<AuthenticationStage> logger) : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var auth = context.Route!.Auth;
        return auth.IsAnonymous ? next(context) : AuthenticateAsync(context, auth, next);
    }

    private async Task AuthenticateAsync(GatewayContext context, RouteAuth auth, GatewayDelegate next)
    {
        var outcome = await auth.Policy.AuthenticateAsync(context);
        var http = context.HttpContext;
        if (outcome.Status == AuthStatus.Success)
        {
            var identity = outcome.Identity!;
            context.Identity = identity;
            if (!(auth.ForwardAuthorization ?? ForwardsByDefault(identity.Method)))
            {
                http.Request.Headers.Remove(HeaderNames.Authorization);
            }

            await next(context);
            return;
        }

        metrics.Failure(context.RouteId, auth.Policy.Method, outcome.Reason);
        AuthLog.Refused(logger, context.RouteId, auth.Policy.Name, auth.Policy.Method, outcome.Status, outcome.Reason);
        if (outcome.Status == AuthStatus.Unavailable)
        {
            http.Response.Headers[HeaderNames.RetryAfter] = "5";
        }
        else if (!string.IsNullOrEmpty(outcome.Challenge))
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = outcome.Challenge;
        }

        await ProblemResponse.WriteAsync(http, outcome.Problem ?? GatewayProblems.AuthenticationRequired);
    }

    /// <summary>
    /// A client's JWT is meant for the APIs behind the gateway, so it is forwarded; an API key or an opaque token is a
    /// credential for the gateway alone, so it is not (unless the route says otherwise).
    /// </summary>
    internal static bool ForwardsByDefault(string method) =>
        !method.Contains("apiKey", StringComparison.Ordinal) && !method.Contains("introspection", StringComparison.Ordinal);
}
