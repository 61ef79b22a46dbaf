using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portico.Discovery.Sources;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Admin;

/// <summary>
/// Serves Portico's own endpoints under the reserved prefix (routes can never claim it). Public endpoints answer at
/// once; everything under <c>{prefix}/admin</c> goes through <see cref="AdminGate"/> first (so a caller without
/// credentials cannot even learn which admin paths exist) and is written once to the audit log when it ends.
/// </summary>
internal sealed class PorticoEndpointsStage : IGatewayStage
{
    private readonly PorticoEndpointTable _table;
    private readonly AdminGate _gate;
    private readonly ILogger _audit;

    public PorticoEndpointsStage(IOptions<PorticoOptions> options, IEnumerable<IPorticoEndpoint> endpoints, AdminGate gate, ILoggerFactory loggerFactory)
    {
        _table = new PorticoEndpointTable(options.Value.EndpointPrefix, endpoints);
        _gate = gate;
        _audit = loggerFactory.CreateLogger(AuditLog.Category);
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var match = _table.Match(context.HttpContext.Request.Path.Value);
        if (match.Kind != PorticoEndpointMatchKind.Outside)
        {
            context.IsPorticoEndpoint = true;
            SecurityHeaders.OwnPageHeaders.Apply(context.HttpContext.Response);
        }

        return match.Kind switch
        {
            PorticoEndpointMatchKind.Outside => next(context),
            PorticoEndpointMatchKind.Public => ServeAsync(context, match),
            PorticoEndpointMatchKind.Admin => ServeAdminAsync(context, match),
            _ => ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.RouteNotFound),
        };
    }

    private static Task ServeAsync(GatewayContext context, PorticoEndpointMatch match)
    {
        var endpoint = match.Endpoint!;
        var http = context.HttpContext;
        if (!endpoint.Accepts(http.Request.Method))
        {
            http.Response.Headers[HeaderNames.Allow] = endpoint.Allow;
            return ProblemResponse.WriteAsync(http, GatewayProblems.MethodNotAllowed);
        }

        var path = http.Request.Path.Value!;
        if (match.SubpathStart < path.Length)
        {
            context.EndpointSubpath = path[match.SubpathStart..];
        }

        return endpoint.Endpoint.HandleAsync(context);
    }

    private async Task ServeAdminAsync(GatewayContext context, PorticoEndpointMatch match)
    {
        var http = context.HttpContext;
        var decision = await _gate.AuthorizeAsync(context);
        try
        {
            if (decision.IsAllowed)
            {
                context.Identity = decision.Identity!;
                http.Response.Headers[HeaderNames.CacheControl] = "no-store"; // admin answers are never cached by anyone
                await (decision.RegistrantOf is { } backendId && !RegistrantMayCall(http, match, backendId)
                    ? ProblemResponse.WriteAsync(http, GatewayProblems.Forbidden, $"A registration key may only register, renew and deregister instances of backend '{backendId}'.")
                    : match.Endpoint is null
                    ? ProblemResponse.WriteAsync(http, GatewayProblems.RouteNotFound)
                    : ServeAsync(context, match));
            }
        }
        catch (Exception) when (Audit(context, decision, http.RequestAborted.IsCancellationRequested ? 499 : 500))
        {
            throw; // never reached: Audit returns false, so the exception goes on to the observability stage untouched
        }

        Audit(context, decision, http.Response.StatusCode);
    }

    private static bool RegistrantMayCall(Microsoft.AspNetCore.Http.HttpContext http, PorticoEndpointMatch match, string backendId)
    {
        var path = http.Request.Path.Value!;
        return match.Endpoint is { } endpoint
            && RegistrationKeys.Permits(backendId, http.Request.Method, endpoint.Endpoint.Path, match.SubpathStart < path.Length ? path[match.SubpathStart..] : "");
    }

    /// <summary>Writes the request's audit event; returns false so it can run as an exception filter.</summary>
    private bool Audit(GatewayContext context, in AdminDecision decision, int status)
    {
        var request = context.HttpContext.Request;
        AuditLog.Request(_audit, request.Method, request.Path.Value, decision.Principal, decision.AuthMethod,
            context.Client.Address?.ToString() ?? "unknown", status, decision.Outcome);
        return false;
    }
}
