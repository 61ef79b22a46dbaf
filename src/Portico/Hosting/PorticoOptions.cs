using Portico.LoadShedding;
using Portico.Observability;
using Portico.Proxy;
using Portico.RateLimiting;
using Portico.Registry;
using Portico.Resilience;
using Portico.Security;
using Portico.Storage.Tables;

namespace Portico.Hosting;

/// <summary>
/// Gateway settings, bound from the <c>Portico</c> configuration section (app settings <c>Portico__…</c> in
/// Azure). Defaults are documented in docs/configuration.md and validated at start-up.
/// </summary>
public sealed class PorticoOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Portico";

    /// <summary>
    /// Prefix of Portico's own endpoints (health, JWKS and the admin endpoints), identical in both hosts. Default
    /// <c>/_portico</c>; the Functions host reserves <c>/admin</c> and <c>/runtime</c>.
    /// </summary>
    public string EndpointPrefix { get; set; } = "/_portico";

    /// <summary>Prefix of the identity headers Portico sends upstream; client-sent headers with it are always dropped. Default <c>X-Portico-</c>.</summary>
    public string IdentityHeaderPrefix { get; set; } = "X-Portico-";

    /// <summary>Where the registry lives and how often it is checked.</summary>
    public RegistryOptions Registry { get; set; } = new();

    /// <summary>The Table storage account (registry, and later counters and breaker state).</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>Which proxies' <c>X-Forwarded-*</c> headers are believed.</summary>
    public ForwardedHeadersOptions ForwardedHeaders { get; set; } = new();

    /// <summary>Gateway-wide client address allow and deny lists.</summary>
    public IpRestrictionOptions IpRestriction { get; set; } = new();

    /// <summary>Limits per client address before authentication, and connection caps of <c>portico serve</c>.</summary>
    public Portico.AddressLimits.AddressLimitsOptions AddressLimits { get; set; } = new();

    /// <summary>Security response headers (HSTS, and defaults for routed responses).</summary>
    public Portico.SecurityHeaders.SecurityHeadersOptions SecurityHeaders { get; set; } = new();
    /// <summary>The request filter (WAF) defaults and inspection limits (docs/security.md).</summary>
    public Portico.Waf.WafOptions Waf { get; set; } = new();

    /// <summary>Size limits.</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>The per-request access log.</summary>
    public AccessLogOptions AccessLog { get; set; } = new();

    /// <summary>The Prometheus scrape endpoint (off by default; docs/observability.md).</summary>
    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>Connections to backends.</summary>
    public UpstreamOptions Upstream { get; set; } = new();

    /// <summary>Rate-limit counters: where shared ones live and how storage failures are handled.</summary>
    public RateLimitingOptions RateLimiting { get; set; } = new();

    /// <summary>Gateway-wide concurrency limit (load shedding).</summary>
    public LoadSheddingOptions LoadShedding { get; set; } = new();

    /// <summary>Resilience pipelines and shared circuit state.</summary>
    public ResilienceOptions Resilience { get; set; } = new();

    /// <summary>Authentication: API key storage, client certificates, identity headers and identity tokens.</summary>
    public Portico.Auth.AuthOptions Auth { get; set; } = new();

    /// <summary>Who may call the admin endpoints under <c>{EndpointPrefix}/admin</c> (docs/admin.md).</summary>
    public Portico.Admin.AdminOptions Admin { get; set; } = new();

    /// <summary>The response cache: memory budget, shared Blob store and purges (docs/caching.md).</summary>
    public Portico.Caching.CachingOptions Caching { get; set; } = new();

    /// <summary>REST→gRPC transcoding: the Blob container of descriptor sets (docs/protocols.md#transcoding).</summary>
    public Portico.Transcoding.TranscodingOptions Transcoding { get; set; } = new();

    /// <summary>Traffic analytics: per-minute rollups, their table and retention (docs/analytics.md).</summary>
    public Portico.Analytics.AnalyticsOptions Analytics { get; set; } = new();

    /// <summary>Where active health checks of backends' destinations run, and the shared health table (docs/discovery.md).</summary>
    public Portico.Discovery.ActiveHealthOptions ActiveHealth { get; set; } = new();

    /// <summary>Discovery sources: the DNS servers asked, the table of registered instances (docs/discovery.md).</summary>
    public Portico.Discovery.Sources.DiscoveryOptions Discovery { get; set; } = new();
}
