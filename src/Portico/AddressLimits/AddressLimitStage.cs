using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portico.Concurrency;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;
using Portico.RateLimiting;

namespace Portico.AddressLimits;

/// <summary>
/// Limits per client address, checked right after the address lists and before authentication (issue 17, item 9): the
/// gateway-wide rate (<c>Portico:AddressLimits:Rate</c>), the route's <c>addressRateLimit</c>, the failed-authentication
/// limit on routes that authenticate, and requests in flight per address. A refusal is 429 problem+json with
/// <c>Retry-After</c> and the IETF <c>RateLimit-Policy</c> / <c>RateLimit</c> fields naming the limit, as the
/// rate-limit stage writes them; it is logged at Debug and counted, never a per-request warning.
/// </summary>
internal sealed class AddressLimitStage : IGatewayStage
{
    private readonly ConcurrentDictionary<string, AddressBuckets> _routes = new(StringComparer.Ordinal);
    private readonly AddressRate? _gatewayRate;
    private readonly AddressBuckets? _gatewayBuckets;
    private readonly FailedAuthenticationLimit _failures;
    private readonly AddressInFlight? _inFlight;
    private readonly int _maxInFlight;
    private readonly int _maxTracked;
    private readonly TimeProvider _time;
    private readonly AddressLimitMetrics _metrics;
    private readonly ILogger _logger;
    private readonly bool _anyGatewayLimit;

    public AddressLimitStage(IOptions<PorticoOptions> options, FailedAuthenticationLimit failures, TimeProvider time, AddressLimitMetrics metrics, ILogger<AddressLimitStage> logger)
    {
        var settings = options.Value.AddressLimits;
        _maxTracked = settings.MaxTrackedAddresses;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _failures = failures;
        if (settings.Rate.Requests > 0)
        {
            _gatewayRate = new AddressRate("address", Math.Max(1, settings.Rate.Per.Ticks / settings.Rate.Requests), settings.Rate.Burst ?? settings.Rate.Requests);
            _gatewayBuckets = NewBuckets("gateway");
        }

        _maxInFlight = settings.MaxConcurrentRequests;
        if (_maxInFlight > 0)
        {
            var (evicted, overflowed) = metrics.For("in-flight");
            _inFlight = new AddressInFlight(_maxTracked) { Evicted = evicted, Overflowed = overflowed };
        }

        _anyGatewayLimit = _gatewayRate is not null || failures.Rate is not null || _inFlight is not null;
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var route = context.Route!;
        var routeRate = route.AddressRate;
        if (!_anyGatewayLimit && routeRate is null)
        {
            return next(context);
        }

        var key = AddressKey.Of(context.Client.Address);
        long remaining, reset, retryAfter;
        if (_gatewayRate is not null && !_gatewayBuckets!.TryTake(key, _gatewayRate, out remaining, out reset, out retryAfter))
        {
            return RefuseAsync(context, AddressLimitProblems.RateLimited, "rate", _gatewayRate, reset, retryAfter);
        }

        if (routeRate is not null && !_routes.GetOrAdd(route.Id, static (_, stage) => stage.NewBuckets("route"), this)
                .TryTake(key, routeRate, out remaining, out reset, out retryAfter))
        {
            return RefuseAsync(context, AddressLimitProblems.RateLimited, "route-rate", routeRate, reset, retryAfter);
        }

        // Only where a credential would be verified: an anonymous route has nothing to guess.
        if (!route.Auth.IsAnonymous && _failures.IsBlocked(key, out retryAfter))
        {
            return RefuseAsync(context, AddressLimitProblems.AuthenticationThrottled, "failed-authentication", _failures.Rate!, retryAfter + _failures.Rate!.ToleranceTicks, retryAfter);
        }

        if (_inFlight is null)
        {
            return next(context);
        }

        var gate = _inFlight.TryEnter(key, _maxInFlight);
        if (gate is null)
        {
            return RefuseConcurrencyAsync(context);
        }

        // Given back when the request leaves the pipeline, whatever happens in it (GatewayContext.ReleaseHeld).
        context.HoldUntilEnd(gate);
        return next(context);
    }

    private AddressBuckets NewBuckets(string table)
    {
        var (evicted, overflowed) = _metrics.For(table);
        return new AddressBuckets(_time, _maxTracked) { Evicted = evicted, Overflowed = overflowed };
    }

    private Task RefuseAsync(GatewayContext context, Problem problem, string limit, AddressRate rate, long resetTicks, long retryAfterTicks)
    {
        Count(context, limit);
        var headers = context.HttpContext.Response.Headers;
        headers[RateLimitHeaders.PolicyHeader] = rate.PolicyItem;
        headers[RateLimitHeaders.LiveHeader] = $"\"{rate.Id}\";r=0;t={RateLimitHeaders.Seconds(resetTicks)}";
        // RFC 9110 §10.2.3: delay-seconds, rounded up so a client that waits that long is not refused again.
        headers[HeaderNames.RetryAfter] = RateLimitHeaders.SecondsText(Math.Max(1, RateLimitHeaders.Seconds(retryAfterTicks)));
        return ProblemResponse.WriteAsync(context.HttpContext, problem, null, [new("limit", rate.Id)]);
    }

    private Task RefuseConcurrencyAsync(GatewayContext context)
    {
        Count(context, "concurrency");
        var headers = context.HttpContext.Response.Headers;
        headers[RateLimitHeaders.PolicyHeader] = $"\"address/concurrency\";q={_maxInFlight};qu=\"concurrent-requests\"";
        headers[RateLimitHeaders.LiveHeader] = "\"address/concurrency\";r=0";
        headers[HeaderNames.RetryAfter] = "1";
        return ProblemResponse.WriteAsync(context.HttpContext, AddressLimitProblems.ConcurrencyLimited, null, [new("limit", "address/concurrency")]);
    }

    private void Count(GatewayContext context, string limit)
    {
        _metrics.Refusals.Add(1, new KeyValuePair<string, object?>("limit", limit), new KeyValuePair<string, object?>("portico.route", context.RouteId));
        AddressLimitLog.Refused(_logger, context.RouteId, limit);
    }
}
