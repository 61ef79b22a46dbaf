namespace Portico.Configuration;

/// <summary>
/// One route: what it matches and what answers it. Exactly one target is set:
/// <see cref="Backend"/> (proxy), <see cref="Static"/> (a fixed response) or <see cref="Aggregate"/> (a composite).
/// </summary>
public sealed record RouteDefinition
{
    /// <summary>Unique id, used in logs, metrics and error messages.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// The authentication policy every request on this route must pass. Required: a route open to everyone
    /// says <c>anonymous</c> explicitly, so nothing is public by omission.
    /// </summary>
    public required string Auth { get; init; }

    /// <summary>What requests the route matches.</summary>
    public required RouteMatchDefinition Match { get; init; }

    /// <summary>Id of the backend to proxy to.</summary>
    public string? Backend { get; init; }

    /// <summary>How the request path is rewritten before forwarding; unchanged when absent.</summary>
    public PathRewriteDefinition? Rewrite { get; init; }

    /// <summary>A fixed response, for mocks and maintenance pages.</summary>
    public StaticResponseDefinition? Static { get; init; }

    /// <summary>A composite answer: several backend calls merged into one JSON body (docs/aggregation.md).</summary>
    public AggregateDefinition? Aggregate { get; init; }

    /// <summary>A GraphQL endpoint over several GraphQL and REST subgraphs (docs/graphql.md).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("graphql")]
    public GraphQLDefinition? GraphQL { get; init; }

    /// <summary>
    /// Longest time the upstream may stay silent (no bytes either way) before the request fails with 504,
    /// as a duration such as <c>30s</c>. Default 100s; at most 225s (the Functions host cuts responses at 230s).
    /// </summary>
    public string? ActivityTimeout { get; init; }

    /// <summary>Largest request body in bytes this route accepts (413 beyond it); default from the gateway options.</summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>Client addresses that may (or may not) use this route, checked before authentication; everyone when absent.</summary>
    public IpRestrictionDefinition? IpRestriction { get; init; }

    /// <summary>Requests per client address on this route, counted before authentication (429 <c>address-rate-limited</c> beyond); none when absent.</summary>
    public RateDefinition? AddressRateLimit { get; init; }

    /// <summary>Cross-origin resource sharing: which browser origins may call, answered at the gateway; no CORS headers when absent.</summary>
    public CorsDefinition? Cors { get; init; }

    /// <summary>Security response headers set on this route's responses over the gateway-wide ones; the gateway's when absent.</summary>
    public SecurityHeadersDefinition? SecurityHeaders { get; init; }
    /// <summary>The route's request filter (WAF) settings over <c>Portico:Waf</c>: on or off, mode, threshold, exclusions (docs/security.md).</summary>
    public WafDefinition? Waf { get; init; }

    /// <summary>Rate limits on this route: policies added, and per-plan overrides.</summary>
    public RouteRateLimitDefinition? RateLimit { get; init; }

    /// <summary>Largest number of requests on this route in flight at once per instance; more are shed with 503. Unlimited when absent.</summary>
    public int? MaxConcurrentRequests { get; init; }

    /// <summary>Timeouts, retries and fallback of a proxy route; defaults apply when absent.</summary>
    public RouteResilienceDefinition? Resilience { get; init; }

    /// <summary>What the authenticated caller must hold (scopes, roles, claim values); nothing beyond authentication when absent.</summary>
    public AuthorizationDefinition? Authorization { get; init; }

    /// <summary>
    /// Whether the client's <c>Authorization</c> header is forwarded. Default: forwarded for <c>jwt</c>, anonymous
    /// and <c>mtls</c> callers, removed for <c>apiKey</c> and <c>introspection</c>.
    /// </summary>
    public bool? ForwardAuthorization { get; init; }

    /// <summary>Whether an <c>apiKey</c> policy may also read the key from its query parameter on this route. Default false.</summary>
    public bool? ApiKeyInQuery { get; init; }

    /// <summary>Whether Portico sends the backend a short-lived ES256 JWT carrying the verified identity. Default false.</summary>
    public bool? IdentityToken { get; init; }

    /// <summary>The route's response cache (docs/caching.md); the backend's <c>cache</c>, or off, when absent.</summary>
    public CacheDefinition? Cache { get; init; }

    /// <summary>Request validation: parameter, media type and JSON body rules, inline or from OpenAPI (docs/validation.md); none when absent.</summary>
    public ValidationDefinition? Validation { get; init; }

    /// <summary>WebSocket pass-through on a proxy route (docs/protocols.md); upgrades are refused when absent.</summary>
    public WebSocketDefinition? WebSocket { get; init; }

    /// <summary>A part of the Azure Web PubSub bridge (negotiate, events or send; docs/protocols.md#azure-web-pubsub).</summary>
    public WebPubSubDefinition? WebPubSub { get; init; }

    /// <summary>REST→gRPC transcoding to the route's <c>grpc</c> backend (docs/protocols.md#transcoding); plain proxying when absent.</summary>
    public TranscodeDefinition? Transcode { get; init; }
}
