using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Admin;

/// <summary>Serves Portico's own endpoints under the reserved prefix; routes can never claim that prefix.</summary>
internal sealed class PorticoEndpointsStage : IGatewayStage
{
    private readonly PathString _prefix;
    private readonly FrozenDictionary<string, IPorticoEndpoint> _endpoints;

    public PorticoEndpointsStage(IOptions<PorticoOptions> options, IEnumerable<IPorticoEndpoint> endpoints)
    {
        _prefix = new PathString(options.Value.EndpointPrefix);
        _endpoints = endpoints.ToFrozenDictionary(e => e.Path, StringComparer.OrdinalIgnoreCase);
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        if (!context.HttpContext.Request.Path.StartsWithSegments(_prefix, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            return next(context);
        }

        return _endpoints.TryGetValue(rest.Value ?? "/", out var endpoint)
            ? endpoint.HandleAsync(context)
            : ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.RouteNotFound);
    }
}
