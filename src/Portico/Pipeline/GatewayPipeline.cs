using Microsoft.Extensions.DependencyInjection;
using Portico.Admin;
using Portico.Auth;
using Portico.Caching;
using Portico.Dispatch;
using Portico.LoadShedding;
using Portico.Observability;
using Portico.RateLimiting;
using Portico.Routing;
using Portico.Security;

namespace Portico.Pipeline;

/// <summary>
/// The one place where the order of the stages is written down. Later capabilities slot in where the
/// comments say; everything a stage needs per request travels on <see cref="GatewayContext"/>.
/// </summary>
internal static class GatewayPipeline
{
    public static GatewayDelegate Build(IServiceProvider services)
    {
        IGatewayStage[] stages =
        [
            services.GetRequiredService<ObservabilityStage>(),   // wraps everything: trace, metrics, access log, last-chance errors
            services.GetRequiredService<SecurityHeaders.SecurityHeadersStage>(), // HSTS on HTTPS, the route's security headers over the backend's (as the response starts)
            services.GetRequiredService<PorticoEndpointsStage>(), // /_portico/*: public health and JWKS; /_portico/admin/* behind the admin policy, audited
            services.GetRequiredService<RouteMatchStage>(),       // snapshot route table → GatewayContext.Route or 404/405
            services.GetRequiredService<IpRestrictionStage>(),    // gateway-wide and per-route client address lists → 403 (before credentials are checked)
            services.GetRequiredService<Cors.CorsStage>(),        // the route's CORS: preflights answered here (before limits and credentials), grants set on responses
            services.GetRequiredService<AddressLimits.AddressLimitStage>(), // per client address: rates, failed authentications, requests in flight → 429 (before credentials are checked)
            services.GetRequiredService<LoadSheddingStage>(),     // gateway-wide and per-route requests in flight → 503 beyond
            services.GetRequiredService<RequestLimitsStage>(),    // per-route body size
            services.GetRequiredService<Waf.WafStage>(),          // request filter (WAF): anomaly score → 403 before any credential is verified (docs/security.md)
            services.GetRequiredService<AuthenticationStage>(),   // the route's policy → GatewayContext.Identity, or 401/503
            services.GetRequiredService<AuthorizationStage>(),    // the route's required scopes, roles, claims → or 403
            services.GetRequiredService<RateLimitStage>(),        // per-client rates, quotas, concurrency → 429 (keyed by the verified identity)
            services.GetRequiredService<Validation.RequestValidationStage>(), // the route's parameter, media-type and JSON body rules → 400/415 (docs/validation.md)
            services.GetRequiredService<CacheStage>(),            // routes with a cache policy: answer from the cache (a hit has passed auth and counted against limits), or forward and store
            services.GetRequiredService<DispatchStage>(),         // the route's handler: proxy, static or aggregate
        ];

        GatewayDelegate next = static _ => Task.CompletedTask;
        for (int i = stages.Length - 1; i >= 0; i--)
        {
            // Bound to the stage's own method once, here: a call through the interface from the one call site every
            // stage shares would be resolved through the runtime's dispatch cache on every stage of every request
            // (issue 25, docs/performance.md).
            Func<GatewayContext, GatewayDelegate, Task> invoke = stages[i].InvokeAsync;
            var following = next;
            next = context => invoke(context, following);
        }

        return next;
    }
}
