using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Portico.AddressLimits;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// Runs the matched route's authentication policy. On success the verified identity goes on
/// <see cref="GatewayContext.Identity"/>; otherwise the request is answered here (401 with <c>WWW-Authenticate</c>,
/// or 503 when the verifier is unreachable), counted and logged by reason, and no backend is called.
/// </summary>
internal sealed class AuthenticationStage(AuthMetrics metrics, FailedAuthenticationLimit failures, ILogger<AuthenticationStage> logger) : IGatewayStage
{
    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var auth = context.Route!.Auth;
        if (auth.IsAnonymous)
        {
            return next(context);
        }

        // Most policies answer synchronously (declared or cached API keys, remembered tokens, certificates): no
        // extra async frame around the rest of the pipeline for them.
        var pending = auth.Policy.AuthenticateAsync(context);
        return pending.IsCompletedSuccessfully ? Continue(context, auth, pending.Result, next) : AwaitAsync(context, auth, pending, next);
    }

    private async Task AwaitAsync(GatewayContext context, RouteAuth auth, ValueTask<AuthOutcome> pending, GatewayDelegate next) =>
        await Continue(context, auth, await pending, next);

    private Task Continue(GatewayContext context, RouteAuth auth, AuthOutcome outcome, GatewayDelegate next)
    {
        var http = context.HttpContext;
        if (outcome.Status == AuthStatus.Success)
        {
            var identity = outcome.Identity!;
            context.Identity = identity;
            if (!(auth.ForwardAuthorization ?? ForwardsByDefault(identity.Method)))
            {
                http.Request.Headers.Remove(HeaderNames.Authorization);
            }

            return next(context);
        }

        metrics.Failure(context.RouteId, auth.Policy.Method, outcome.Reason);
        AuthLog.Refused(logger, context.RouteId, auth.Policy.Name, auth.Policy.Method, outcome.Status, outcome.Reason);
        if (outcome.Status == AuthStatus.Invalid)
        {
            failures.RecordFailure(context.Client.Address); // a rejected credential; a missing one guesses nothing
        }

        if (outcome.Status == AuthStatus.Unavailable)
        {
            http.Response.Headers[HeaderNames.RetryAfter] = "5";
        }
        else if (!string.IsNullOrEmpty(outcome.Challenge))
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = outcome.Challenge;
        }

        return ProblemResponse.WriteAsync(http, outcome.Problem ?? GatewayProblems.AuthenticationRequired);
    }

    /// <summary>
    /// A client's JWT is meant for the APIs behind the gateway, so it is forwarded; an API key or an opaque token is a
    /// credential for the gateway alone, so it is not (unless the route says otherwise).
    /// </summary>
    internal static bool ForwardsByDefault(string method) =>
        !method.Contains("apiKey", StringComparison.Ordinal) && !method.Contains("introspection", StringComparison.Ordinal);
}
