using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Portico.Caching;

/// <summary>
/// The shared HTTP cache (RFC 9111) of routes with a cache policy, after rate limiting (a hit still counts against
/// the caller's limits) and before dispatch. A GET or HEAD is answered from a usable stored response, or forwarded
/// (with the stored response's validators when it only needs revalidating) and the answer stored when §3 allows;
/// concurrent misses for one key make one backend call; an unsafe request that succeeds invalidates what it names
/// (§4.4). Routes without a policy pass straight through.
/// </summary>
internal sealed partial class CacheStage : IGatewayStage
{
    private readonly ResponseCache _cache;
    private readonly RequestCoalescer _coalescer;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly CachingOptions _options;
    private readonly SharedCacheTier _shared;
    private readonly BackgroundRevalidator _revalidator;
    private readonly ILogger _logger;

    public CacheStage(
        ResponseCache cache, RequestCoalescer coalescer, CacheMetrics metrics, TimeProvider time, IOptions<PorticoOptions> options,
        SharedCacheTier shared, BackgroundRevalidator revalidator, ILogger<CacheStage> logger)
    {
        _revalidator = revalidator;
        _cache = cache;
        _coalescer = coalescer;
        _metrics = metrics;
        _time = time;
        _options = options.Value.Caching;
        _shared = shared;
        _logger = logger;
    }

    public Task InvokeAsync(GatewayContext context, GatewayDelegate next)
    {
        var route = context.Route!;
        if (route.Cache is { } policy && !WebSockets.WebSocketHandshake.IsRequested(context.HttpContext.Request))
        {
            return CacheAsync(context, policy, next);
        }

        return route.CacheInvalidation is { } invalidation && IsUnsafe(context.HttpContext.Request.Method)
            ? ForwardUnsafeAsync(context, invalidation, next)
            : next(context);
    }

    private async Task CacheAsync(GatewayContext context, CachePolicy policy, GatewayDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var isGet = HttpMethods.IsGet(request.Method);
        if (!isGet && !HttpMethods.IsHead(request.Method))
        {
            await ForwardOtherMethodAsync(context, policy, next);
            return;
        }

        var directives = CacheLookup.RequestDirectives(request.Headers, policy);
        var consumer = policy.VaryByConsumer ? ConsumerKey(context.Identity) : null;
        var exchange = new CacheExchange(
            context, policy, _options, CacheKey.Primary(request, policy), directives, consumer, CacheKey.Values(request.Headers, policy.KeyHeaders));

        var bypass = request.Headers.ContainsKey(HeaderNames.Range) ? "range" : consumer == UnknownConsumer ? "no-consumer-id" : null;
        if (bypass is not null)
        {
            // Partial content passes through: ranges are neither stored nor served from a stored full response. A
            // caller the route must tell apart but who has no consumer id or subject is never served from the cache.
            exchange.ForwardReason = "bypass";
            exchange.RequestBypass = bypass;
            exchange.Outcome = CacheOutcome.Bypass;
            await ForwardAsync(exchange, next);
            return;
        }

        var now = _time.GetUtcNow();
        var group = _cache.Find(exchange.PrimaryKey);
        var entry = CacheLookup.Select(group, exchange);
        if (entry is null && _shared.IsEnabled)
        {
            entry = await _shared.LoadAsync(exchange, http.RequestAborted);
            if (entry is not null)
            {
                _cache.Store(entry);
            }
        }

        if (entry is not null)
        {
            entry.LastUse = Environment.TickCount64;
            var use = CacheLookup.Evaluate(entry, exchange, now, out var reason);
            if (use != CacheUse.Revalidate)
            {
                var outcome = use == CacheUse.Fresh ? CacheOutcome.Hit : CacheOutcome.Stale;
                await ServeAsync(exchange, entry, now, outcome, use == CacheUse.Fresh ? null : "stale");
                if (use == CacheUse.StaleWhileRevalidate)
                {
                    _revalidator.Start(exchange, entry, next, this);
                }

                return;
            }

            exchange.ForwardReason = reason;
            exchange.Candidate = entry;
        }
        else
        {
            exchange.ForwardReason = group is null ? "uri-miss" : "vary-miss";
        }

        if (directives.OnlyIfCached)
        {
            // §5.2.1.7: answer from the cache or with 504, never from the backend.
            Count(exchange, CacheOutcome.Bypass);
            http.Response.Headers[CacheStatusBuilder.HeaderName] = CacheStatusBuilder.Forward(_options.Name, exchange.ForwardReason, null, stored: false, detail: "only-if-cached");
            await ProblemResponse.WriteAsync(http, CacheProblems.NotCached);
            return;
        }

        if (directives.NoStore)
        {
            exchange.RequestBypass = "no-store";
        }

        if (exchange.Candidate is { } candidate && (candidate.ETag is not null || candidate.LastModified is not null))
        {
            await RevalidateAsync(exchange, candidate, next);
            return;
        }

        if (isGet && exchange.Candidate is null && exchange.RequestBypass is null
            && !request.Headers.ContainsKey(HeaderNames.IfNoneMatch) && !request.Headers.ContainsKey(HeaderNames.IfModifiedSince))
        {
            await CoalesceAsync(exchange, next);
            return;
        }

        await ForwardAsync(exchange, next);
    }

    /// <summary>
    /// Forwards <paramref name="exchange"/>'s request with the gateway's own validators in place of the client's; a 304
    /// updates and serves the stored response (§4.3.3, §4.3.4), anything else is passed on and may be stored.
    /// </summary>
    internal async Task RevalidateAsync(CacheExchange exchange, CachedResponse candidate, GatewayDelegate next)
    {
        var headers = exchange.Context.HttpContext.Request.Headers;
        var ifNoneMatch = headers.IfNoneMatch;
        var ifModifiedSince = headers.IfModifiedSince;
        headers.Remove(HeaderNames.IfNoneMatch);
        headers.Remove(HeaderNames.IfModifiedSince);
        if (candidate.ETag is { } etag)
        {
            headers.IfNoneMatch = etag;
        }

        if (candidate.LastModified is { } lastModified)
        {
            headers.IfModifiedSince = lastModified;
        }

        exchange.Validating = true;
        try
        {
            await ForwardAsync(exchange, next);
        }
        finally
        {
            // The client's own conditional decides between 304 and 200 when the stored response is served.
            headers.Remove(HeaderNames.IfNoneMatch);
            headers.Remove(HeaderNames.IfModifiedSince);
            if (ifNoneMatch.Count > 0)
            {
                headers.IfNoneMatch = ifNoneMatch;
            }

            if (ifModifiedSince.Count > 0)
            {
                headers.IfModifiedSince = ifModifiedSince;
            }
        }

        if (exchange.Outcome == CacheOutcome.Revalidated && exchange.Updated is { } updated)
        {
            var now = _time.GetUtcNow();
            await StoredResponseWriter.WriteAsync(exchange.Context.HttpContext, updated, now,
                CacheStatusBuilder.Forward(_options.Name, exchange.ForwardReason, StatusCodes.Status304NotModified, stored: true, ttl: Ttl(updated, now)));
        }
        else if (exchange.Outcome == CacheOutcome.Revalidated)
        {
            // §4.3.4: the 304 names another representation than the stored one, which is dropped; fetch in full.
            _cache.Remove(candidate);
            var http = exchange.Context.HttpContext;
            http.Response.Clear();
            exchange.Candidate = null;
            exchange.Validating = false;
            exchange.Outcome = CacheOutcome.Miss;
            await ForwardAsync(exchange, next);
        }
    }

    private async Task CoalesceAsync(CacheExchange exchange, GatewayDelegate next)
    {
        var key = CoalescingKey(exchange);
        if (_coalescer.TryLead(key, out var leader))
        {
            try
            {
                await ForwardAsync(exchange, next);
            }
            finally
            {
                _coalescer.Release(key);
            }

            return;
        }

        var http = exchange.Context.HttpContext;
        if (!await _coalescer.WaitAsync(leader, _options.CoalescingTimeout, _time, http.RequestAborted))
        {
            LogCoalescingTimedOut(_logger, exchange.Policy.RouteId, _options.CoalescingTimeout.TotalMilliseconds);
        }

        var now = _time.GetUtcNow();
        if (CacheLookup.Select(_cache.Find(exchange.PrimaryKey), exchange) is { } entry && CacheLookup.Evaluate(entry, exchange, now, out _) == CacheUse.Fresh)
        {
            entry.LastUse = Environment.TickCount64;
            Count(exchange, CacheOutcome.Coalesced);
            await StoredResponseWriter.WriteAsync(http, entry, now, CacheStatusBuilder.Hit(_options.Name, Ttl(entry, now), collapsed: true));
            return;
        }

        // The leader's answer was not storable (or did not come in time): this request makes its own call.
        exchange.Collapsed = true;
        await ForwardAsync(exchange, next);
    }

    /// <summary>Sends the request on with the response body captured; stores or absorbs the answer as decided when it started.</summary>
    internal async Task ForwardAsync(CacheExchange exchange, GatewayDelegate next)
    {
        var context = exchange.Context;
        var http = context.HttpContext;
        var response = http.Response;
        HashSet<string>? excluded = null;
        if (response.Headers.Count > 0)
        {
            // Fields earlier stages set for this caller (rate-limit state, for one) are never stored for others.
            excluded = new HashSet<string>(response.Headers.Keys, StringComparer.OrdinalIgnoreCase);
        }

        var inner = http.Features.Get<IHttpResponseBodyFeature>()!;
        var capture = new ResponseCapture(inner, response, exchange);
        http.Features.Set<IHttpResponseBodyFeature>(capture);
        exchange.RequestTime = _time.GetUtcNow();
        var previous = CacheExchange.Current;
        CacheExchange.Current = exchange;
        try
        {
            await next(context);
            await context.EndDispatchAsync(); // the upstream time set and a forwarding error answered before deciding
            capture.Decide();
        }
        catch
        {
            capture.Release();
            throw;
        }
        finally
        {
            CacheExchange.Current = previous;
            http.Features.Set(inner);
        }

        var completed = !http.RequestAborted.IsCancellationRequested && http.Features.Get<IForwarderErrorFeature>() is null;
        switch (capture.Mode)
        {
            case CaptureMode.Absorb:
                capture.Release();
                if (completed)
                {
                    Absorb(exchange, response.Headers, excluded);
                }

                break;

            case CaptureMode.Store:
                var body = capture.TakeBody();
                if (body is null || !completed || (response.ContentLength is long declared && declared != body.Length))
                {
                    _metrics.NotStored(capture.Overflowed ? "too-large" : "incomplete");
                    break;
                }

                var entry = StoredResponses.Create(exchange, response, body, excluded ?? [], _time.GetUtcNow(), _options.MaxHeuristicFreshness);
                if (entry is null)
                {
                    _metrics.NotStored("stale");
                    break;
                }

                entry.LastUse = Environment.TickCount64;
                _cache.Store(entry, exchange.Candidate);
                _metrics.Stored();
                _shared.Save(entry);
                break;

            default:
                capture.Release();
                if (exchange.NotStoredBecause is { } reason && exchange.RequestBypass is null)
                {
                    _metrics.NotStored(reason);
                }

                break;
        }

        Count(exchange, exchange.Outcome);
    }

    private void Absorb(CacheExchange exchange, IHeaderDictionary notModified, HashSet<string>? excluded)
    {
        var candidate = exchange.Candidate!;
        var updated = StoredResponses.Update(candidate, exchange, notModified, excluded ?? [], _time.GetUtcNow(), _options.MaxHeuristicFreshness);
        if (updated is null)
        {
            return;
        }

        updated.LastUse = Environment.TickCount64;
        _cache.Store(updated, candidate);
        _shared.Save(updated);
        exchange.Updated = updated;

        // The 304's fields are now part of the stored response; the client is answered from it, not from them.
        exchange.Context.HttpContext.Response.Headers.Clear();
    }

    /// <summary>
    /// Methods other than GET and HEAD go to the backend (never stored); an unsafe one that succeeds invalidates (§4.4).
    /// </summary>
    private async Task ForwardOtherMethodAsync(GatewayContext context, CachePolicy policy, GatewayDelegate next)
    {
        var exchange = new CacheExchange(context, policy, _options, "", CacheControl.Empty, null, [])
        {
            ForwardReason = "method",
            RequestBypass = "method",
            Outcome = CacheOutcome.Bypass,
        };
        await ForwardAsync(exchange, next);
        if (IsUnsafe(context.HttpContext.Request.Method) && context.Route!.CacheInvalidation is { } invalidation)
        {
            InvalidateTargets(context.HttpContext, invalidation);
        }
    }

    /// <summary>An unsafe request on a route that caches nothing itself: forwarded as it is, then invalidates (§4.4).</summary>
    private async Task ForwardUnsafeAsync(GatewayContext context, CacheInvalidation invalidation, GatewayDelegate next)
    {
        await next(context);
        await context.EndDispatchAsync(); // a forwarding error answered before its status is read
        InvalidateTargets(context.HttpContext, invalidation);
    }

    /// <summary>
    /// After a non-error answer (2xx, 3xx) to an unsafe request, removes what is stored for the target URI and for the
    /// same-origin <c>Location</c> and <c>Content-Location</c> targets (RFC 9111 §4.4), here and in the shared store.
    /// </summary>
    private void InvalidateTargets(HttpContext http, CacheInvalidation invalidation)
    {
        var status = http.Response.StatusCode;
        if (status < 200 || status >= 400 || http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var request = http.Request;
        var host = request.Host.Value ?? "";
        var path = (request.PathBase + request.Path).Value ?? "/";
        var removed = Invalidate(invalidation.PrimaryKeys(request.Scheme, host, path, request.QueryString.Value));
        if (Uri.TryCreate($"{request.Scheme}://{host}{request.PathBase.ToUriComponent()}{request.Path.ToUriComponent()}", UriKind.Absolute, out var origin))
        {
            foreach (var name in (ReadOnlySpan<string>)[HeaderNames.Location, HeaderNames.ContentLocation])
            {
                if (http.Response.Headers[name] is { Count: 1 } value && Uri.TryCreate(origin, value[0], out var target)
                    && string.Equals(target.Scheme, origin.Scheme, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(target.Authority, origin.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    // The key holds the path as the request's PathString does (decoded but for %2F), not as escaped.
                    removed += Invalidate(invalidation.PrimaryKeys(target.Scheme, host, PathString.FromUriComponent(target).Value ?? "/", target.Query));
                }
            }
        }

        _metrics.Invalidated(removed, "unsafe-method");
    }

    /// <summary>Unsafe methods (RFC 9110 §9.2.1): every method but GET, HEAD, OPTIONS and TRACE, unknown ones included.</summary>
    private static bool IsUnsafe(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    private int Invalidate(IEnumerable<string> primaryKeys)
    {
        var removed = 0;
        foreach (var key in primaryKeys)
        {
            removed += Invalidate(key);
        }

        return removed;
    }

    private int Invalidate(string primaryKey)
    {
        _shared.DeleteAll(primaryKey);
        return _cache.RemoveKey(primaryKey);
    }

    private async Task ServeAsync(CacheExchange exchange, CachedResponse entry, DateTimeOffset now, string outcome, string? detail)
    {
        Count(exchange, outcome);
        await StoredResponseWriter.WriteAsync(exchange.Context.HttpContext, entry, now, CacheStatusBuilder.Hit(_options.Name, Ttl(entry, now), detail: detail));
    }

    private void Count(CacheExchange exchange, string outcome)
    {
        exchange.Outcome = outcome;
        exchange.Context.CacheOutcome = outcome;
        _metrics.Request(exchange.Policy.RouteId, outcome);
    }

    /// <summary>Marks an authenticated caller without consumer id or subject, whom a per-consumer route cannot serve from its cache.</summary>
    private const string UnknownConsumer = "\0";

    /// <summary>The consumer part of the key: the registry consumer, else the verified subject with its method, else none (anonymous).</summary>
    private static string? ConsumerKey(GatewayIdentity identity) =>
        !identity.IsAuthenticated ? null
        : identity.ConsumerId is { } consumer ? "consumer:" + consumer
        : identity.Subject is { } subject ? identity.Method + ":" + subject
        : UnknownConsumer;

    private static string CoalescingKey(CacheExchange exchange) =>
        string.Join('\n', [exchange.Policy.RouteId, exchange.PrimaryKey, exchange.Consumer ?? "", .. exchange.KeyHeaderValues.Select(v => v ?? "")]);

    private static long Ttl(CachedResponse entry, DateTimeOffset now) => (long)Math.Floor((entry.FreshnessLifetime - entry.CurrentAge(now)).TotalSeconds);

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Route {RouteId}: a coalesced request waited {WaitMs} ms for another one's backend call and goes to the backend itself")]
    private static partial void LogCoalescingTimedOut(ILogger logger, string routeId, double waitMs);
}
