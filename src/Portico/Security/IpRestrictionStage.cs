using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Security;

/// <summary>
/// Refuses, with 403 <c>ip-forbidden</c> and before any credential is checked, a client whose address (resolved
/// through trusted proxies) the gateway-wide lists (<c>Portico:IpRestriction</c>) or the matched route's
/// <c>ipRestriction</c> exclude. The answer never says which list or entry excluded it.
/// </summary>
internal sealed class IpRestrictionStage : IGatewayStage
{
    private readonly IpRestriction? _gateway;
    private readonly PorticoMetrics _metrics;

    public IpRestrictionStage(IOptions<PorticoOptions> options, PorticoMetrics metrics)
    {
        var settings = options.Value.IpRestriction;
        // Entries were checked at start-up (SecurityOptionsValidator).
        _gateway = IpRestriction.Compile(settings.Allow, settings.Deny, static (_, _) => { });
        _metrics = metrics;
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var route = context.Route!.ClientAddresses;
        if (_gateway is null && route is null)
        {
            return next(context);
        }

        var client = context.Client.Address;
        if (_gateway?.Permits(client) == false)
        {
            return RefuseAsync(context, "gateway");
        }

        if (route?.Permits(client) == false)
        {
            return RefuseAsync(context, "route");
        }

        return next(context);
    }

    private Task RefuseAsync(GatewayContext context, string scope)
    {
        _metrics.IpRefusals.Add(1, new("scope", scope), new("portico.route", context.RouteId));
        return ProblemResponse.WriteAsync(context.HttpContext, GatewayProblems.IpForbidden);
    }
}
