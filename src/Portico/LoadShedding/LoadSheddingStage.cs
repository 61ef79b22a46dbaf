using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portico.Concurrency;
using Portico.Hosting;
using Portico.Observability;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.LoadShedding;

/// <summary>
/// Sheds load before the process is overwhelmed: beyond <see cref="LoadSheddingOptions.MaxConcurrentRequests"/>
/// requests in flight in this instance, or a route's <c>maxConcurrentRequests</c>, a request is answered 503
/// with <c>Retry-After</c> at once instead of queueing. Route gates live as long as the process, so a registry
/// reload does not forget the requests still in flight.
/// </summary>
internal sealed class LoadSheddingStage : IGatewayStage
{
    private readonly ConcurrentDictionary<string, StrongBox<ConcurrencyGate>> _routes = new(StringComparer.Ordinal);
    private readonly StrongBox<ConcurrencyGate> _gateway = new();
    private readonly int _limit;
    private readonly string _retryAfter;
    private readonly PorticoMetrics _metrics;

    public LoadSheddingStage(IOptions<PorticoOptions> options, PorticoMetrics metrics)
    {
        var shedding = options.Value.LoadShedding;
        _limit = shedding.MaxConcurrentRequests;
        _retryAfter = Math.Max(1, (long)Math.Ceiling(shedding.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        _metrics = metrics;
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var routeLimit = context.Route!.Definition.MaxConcurrentRequests ?? 0;
        if (_limit <= 0 && routeLimit <= 0)
        {
            return next(context);
        }

        if (_limit > 0 && !_gateway.Value.TryEnter(_limit))
        {
            return ShedAsync(context, "gateway", null);
        }

        if (routeLimit > 0)
        {
            var route = _routes.GetOrAdd(context.Route.Id, static _ => new StrongBox<ConcurrencyGate>());
            if (!route.Value.TryEnter(routeLimit))
            {
                if (_limit > 0)
                {
                    _gateway.Value.Exit();
                }

                return ShedAsync(context, "route", context.Route.Id);
            }

            context.HoldUntilEnd(route);
        }

        // Given back when the request leaves the pipeline, whatever happens in it (GatewayContext.ReleaseHeld).
        if (_limit > 0)
        {
            context.HoldUntilEnd(_gateway);
        }

        return next(context);
    }

    private Task ShedAsync(GatewayContext context, string scope, string? routeId)
    {
        _metrics.LoadShed.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("portico.route", routeId ?? ""));
        context.HttpContext.Response.Headers[HeaderNames.RetryAfter] = _retryAfter;
        return ProblemResponse.WriteAsync(
            context.HttpContext,
            GatewayProblems.Overloaded,
            scope == "route" ? "The route has as many requests in flight as it accepts; retry shortly." : "The gateway has as many requests in flight as it accepts; retry shortly.");
    }
}
