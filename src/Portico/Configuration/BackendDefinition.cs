namespace Portico.Configuration;

/// <summary>An upstream service that proxy routes forward to.</summary>
public sealed record BackendDefinition
{
    /// <summary>Unique id, referenced by routes.</summary>
    public required string Id { get; init; }

    /// <summary>Absolute http or https URL; a path here becomes a prefix of every upstream path. Set this or <see cref="Destinations"/>.</summary>
    public string? Url { get; init; }

    /// <summary>Several instances of the backend, load-balanced (docs/discovery.md). Set this or <see cref="Url"/>.</summary>
    public IReadOnlyList<DestinationDefinition>? Destinations { get; init; }

    /// <summary>A discovery source whose destinations are added to <see cref="Destinations"/> at run time (docs/discovery.md).</summary>
    public DiscoveryDefinition? Discovery { get; init; }

    /// <summary>How one of <see cref="Destinations"/> is chosen for each attempt; power of two choices by default.</summary>
    public LoadBalancingDefinition? LoadBalancing { get; init; }

    /// <summary>Passive health of <see cref="Destinations"/>, and the answer when none is healthy.</summary>
    public BackendHealthDefinition? Health { get; init; }

    /// <summary>
    /// What the backend speaks: <c>http</c> (the default: HTTP/1.1, or HTTP/2 when TLS negotiates it) or <c>grpc</c>
    /// (HTTP/2 always, cleartext h2c for an http URL; docs/protocols.md#grpc).
    /// </summary>
    public string? Protocol { get; init; }

    /// <summary>Circuit breaker, bulkhead and retry budget of this backend; defaults apply when absent.</summary>
    public BackendResilienceDefinition? Resilience { get; init; }

    /// <summary>The response cache of every proxy route to this backend that sets none itself (docs/caching.md).</summary>
    public CacheDefinition? Cache { get; init; }
}
