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

    /// <summary>
    /// Longest time the upstream may stay silent (no bytes either way) before the request fails with 504,
    /// as a duration such as <c>30s</c>. Default 100s; at most 225s (the Functions host cuts responses at 230s).
    /// </summary>
    public string? ActivityTimeout { get; init; }

    /// <summary>Largest request body in bytes this route accepts (413 beyond it); default from the gateway options.</summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>Timeouts, retries and fallback of a proxy route; defaults apply when absent.</summary>
    public RouteResilienceDefinition? Resilience { get; init; }
}
