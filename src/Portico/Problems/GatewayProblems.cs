namespace Portico.Problems;

/// <summary>The catalogue of problems the gateway itself answers with (docs/problems.md mirrors it).</summary>
public static class GatewayProblems
{
    /// <summary>No route matches the method, host and path.</summary>
    public static readonly Problem RouteNotFound = new(404, "route-not-found", "No route matches the request");

    /// <summary>A route matches the path, but not the method.</summary>
    public static readonly Problem MethodNotAllowed = new(405, "method-not-allowed", "The route does not accept this method");

    /// <summary>The request body is larger than the route allows.</summary>
    public static readonly Problem PayloadTooLarge = new(413, "payload-too-large", "The request body is too large");

    /// <summary>The client sent a request the gateway could not read.</summary>
    public static readonly Problem BadRequest = new(400, "bad-request", "The request is malformed");

    /// <summary>The request path is malformed or could be read as another path by a backend (dot segments, encoded separators, path parameters…).</summary>
    public static readonly Problem InvalidPath = new(400, "invalid-path", "The request path is malformed or ambiguous");

    /// <summary>A request header is not a valid HTTP field (RFC 9110 §5.5): a name that is not a token, or a control character in a value.</summary>
    public static readonly Problem InvalidHeader = new(400, "invalid-header", "A request header is not a valid HTTP field");

    /// <summary>The client stopped sending its request body for longer than the route waits, or sent it slower than <c>Portico:Limits:MinRequestBodyDataRate</c>.</summary>
    public static readonly Problem RequestTimeout = new(408, "request-timeout", "The request body did not arrive in time");

    /// <summary>The request uses a transfer coding other than <c>chunked</c> (RFC 9112 §6.1).</summary>
    public static readonly Problem UnsupportedTransferCoding = new(501, "unsupported-transfer-coding", "The request's transfer coding is not supported");

    /// <summary>The request breaks the route's validation rules; the <c>violations</c> member lists them (docs/validation.md).</summary>
    public static readonly Problem ValidationFailed = new(400, "validation-failed", "The request does not satisfy the route's rules");

    /// <summary>The request body's media type is not one the route accepts (RFC 9110 §15.5.16).</summary>
    public static readonly Problem UnsupportedMediaType = new(415, "unsupported-media-type", "The request's media type is not accepted by this route");

    /// <summary>The backend could not be reached or broke the exchange.</summary>
    public static readonly Problem BadGateway = new(502, "bad-gateway", "The upstream service could not be reached");

    /// <summary>The backend did not answer in time.</summary>
    public static readonly Problem GatewayTimeout = new(504, "gateway-timeout", "The upstream service did not answer in time");

    /// <summary>The backend's circuit is open after repeated failures; it is not called until the break ends (<c>Retry-After</c>).</summary>
    public static readonly Problem CircuitOpen = new(503, "circuit-open", "The upstream service is failing and is not being called for now");

    /// <summary>An admin request named a backend the live registry does not have.</summary>
    public static readonly Problem BackendNotFound = new(404, "backend-not-found", "No backend has this id");

    /// <summary>Every destination of the backend is ejected by its health checks (<c>Retry-After</c>: until the first returns).</summary>
    public static readonly Problem NoHealthyDestination = new(503, "no-healthy-destination", "No instance of the upstream service is healthy");

    /// <summary>The backend's bulkhead is full: too many requests are in flight or waiting (<c>Retry-After</c>).</summary>
    public static readonly Problem BackendBusy = new(503, "backend-busy", "The upstream service has too many requests in progress");

    /// <summary>A required part of a composite route failed; the <c>part</c> member names it.</summary>
    public static readonly Problem PartFailed = new(502, "part-failed", "A required part of the composite answer failed");

    /// <summary>A required part of a composite route did not answer within its timeout or the route's deadline.</summary>
    public static readonly Problem PartTimeout = new(504, "part-timeout", "A required part of the composite answer did not arrive in time");

    /// <summary>The request lacks a value (parameter, header, claim, body field) a composite route needs.</summary>
    public static readonly Problem MissingInput = new(400, "missing-input", "The request lacks a value the route needs");

    /// <summary>The route cannot answer in any media type the request's <c>Accept</c> lists (a GraphQL route, docs/graphql.md).</summary>
    public static readonly Problem NotAcceptable = new(406, "not-acceptable", "The route cannot answer in a media type the request accepts");

    /// <summary>The gateway has not loaded its configuration yet.</summary>
    public static readonly Problem NotReady = new(503, "not-ready", "The gateway is starting");

    /// <summary>The caller is over a rate-limit policy's rate or burst; <c>Retry-After</c> says when to come back.</summary>
    public static readonly Problem RateLimited = new(429, "rate-limited", "Too many requests");

    /// <summary>A quota window of a rate-limit policy is used up; the answer names when it resets.</summary>
    public static readonly Problem QuotaExceeded = new(429, "quota-exceeded", "The request quota is used up");

    /// <summary>The caller has as many requests in flight as its policy allows.</summary>
    public static readonly Problem ConcurrencyLimited = new(429, "concurrency-limited", "Too many requests in flight");

    /// <summary>Shared rate-limit counters are unreachable and the policy fails closed.</summary>
    public static readonly Problem RateLimitUnavailable = new(503, "rate-limit-unavailable", "Rate limiting is temporarily unavailable");

    /// <summary>The gateway or the route has as many requests in flight as it accepts (load shedding).</summary>
    public static readonly Problem Overloaded = new(503, "overloaded", "The gateway is overloaded");

    /// <summary>A bug in the gateway; the trace id identifies it in the logs.</summary>
    public static readonly Problem InternalError = new(500, "internal-error", "The gateway failed to process the request");

    /// <summary>The route needs credentials and the request carries none.</summary>
    public static readonly Problem AuthenticationRequired = new(401, "authentication-required", "Authentication is required");

    /// <summary>A bearer token was presented and is not valid (bad signature, expired, wrong issuer or audience, inactive…).</summary>
    public static readonly Problem InvalidToken = new(401, "invalid-token", "The access token is not valid");

    /// <summary>An API key was presented and is not valid (unknown, revoked, or its consumer is disabled).</summary>
    public static readonly Problem InvalidApiKey = new(401, "invalid-api-key", "The API key is not valid");

    /// <summary>A client certificate was presented and is not trusted or not valid now.</summary>
    public static readonly Problem InvalidClientCertificate = new(401, "invalid-client-certificate", "The client certificate is not valid");

    /// <summary>The client's address is outside the gateway's or the route's allow list, or in a deny list.</summary>
    public static readonly Problem IpForbidden = new(403, "ip-forbidden", "The client's address may not use this route");

    /// <summary>The request filter (WAF) scored the request at or over the route's anomaly threshold; the answer names neither the rule nor the payload.</summary>
    public static readonly Problem RequestBlocked = new(403, "request-blocked", "The request was refused by the gateway's request filter");

    /// <summary>The caller is authenticated but lacks a required role or claim value.</summary>
    public static readonly Problem Forbidden = new(403, "forbidden", "The caller is not allowed to use this route");

    /// <summary>The caller is authenticated but the token lacks a required scope (RFC 6750 §3.1).</summary>
    public static readonly Problem InsufficientScope = new(403, "insufficient-scope", "The access token lacks a required scope");

    /// <summary>No way into the admin endpoints is configured (<c>Portico:Admin</c>); the detail says how to turn them on.</summary>
    public static readonly Problem AdminNotConfigured = new(403, "admin-not-configured", "Admin endpoints are not enabled on this gateway");

    /// <summary>The client address made too many failed admin attempts; it is refused before any credential is checked (<c>Retry-After</c>).</summary>
    public static readonly Problem AdminRateLimited = new(429, "admin-rate-limited", "Too many failed admin attempts from this address");

    /// <summary>The service that verifies credentials (key store, token issuer, introspection endpoint) could not be reached.</summary>
    public static readonly Problem AuthenticationUnavailable = new(503, "auth-unavailable", "Credentials cannot be verified right now");
}
