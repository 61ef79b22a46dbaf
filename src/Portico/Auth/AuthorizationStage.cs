using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// Checks the route's required scopes, roles and claim values against the verified identity: 403 when they are not
/// held (<c>insufficient_scope</c>, RFC 6750 §3.1, when a scope is what lacks and the caller used a bearer token).
/// </summary>
internal sealed class AuthorizationStage(IOptions<PorticoOptions> options, AuthMetrics metrics, ILogger<AuthorizationStage> logger) : IGatewayStage
{
    private readonly string _realm = options.Value.Auth.Realm;

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var requirements = context.Route!.Auth.Authorization;
        if (requirements is null || requirements.IsSatisfiedBy(context.Identity, out var scopeMissing))
        {
            return next(context);
        }

        var identity = context.Identity;
        var reason = scopeMissing ? "insufficient-scope" : "forbidden";
        metrics.Failure(context.RouteId, identity.Method, reason);
        AuthLog.Forbidden(logger, context.RouteId, identity.ConsumerId, reason);
        var http = context.HttpContext;
        var bearer = identity.Method.Contains("jwt", StringComparison.Ordinal) || identity.Method.Contains("introspection", StringComparison.Ordinal);
        if (scopeMissing && bearer)
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = Challenges.BearerInsufficientScope(_realm, requirements.ScopeList);
        }

        return ProblemResponse.WriteAsync(http, scopeMissing ? GatewayProblems.InsufficientScope : GatewayProblems.Forbidden);
    }
}
