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

    /// <summary>The backend could not be reached or broke the exchange.</summary>
    public static readonly Problem BadGateway = new(502, "bad-gateway", "The upstream service could not be reached");

    /// <summary>The backend did not answer in time.</summary>
    public static readonly Problem GatewayTimeout = new(504, "gateway-timeout", "The upstream service did not answer in time");

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
}
