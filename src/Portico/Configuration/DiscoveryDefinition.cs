namespace Portico.Configuration;

/// <summary>
/// Where a backend learns its destinations at run time (docs/discovery.md#discovery-sources): instances that register
/// themselves (<c>registration</c>), DNS A/AAAA or SRV records (<c>dns</c>), or a key prefix in etcd v3 (<c>etcd</c>).
/// Destinations found are added to the listed <see cref="BackendDefinition.Destinations"/>, if any.
/// </summary>
public sealed record DiscoveryDefinition
{
    /// <summary><c>registration</c>, <c>dns</c> or <c>etcd</c>.</summary>
    public required string Type { get; init; }

    /// <summary>With <c>dns</c>: the name to resolve (for SRV, the whole owner name such as <c>_http._tcp.orders.example</c>).</summary>
    public string? Host { get; init; }

    /// <summary>With <c>dns</c>: <c>a</c> (A and AAAA records; the default) or <c>srv</c>.</summary>
    public string? Record { get; init; }

    /// <summary>With <c>dns</c> and <c>record: a</c>: the port of every address found (required).</summary>
    public int? Port { get; init; }

    /// <summary>With <c>dns</c>: <c>http</c> (default) or <c>https</c>, the scheme of every destination found.</summary>
    public string? Scheme { get; init; }

    /// <summary>With <c>dns</c>: a path that prefixes every upstream path on the destinations found.</summary>
    public string? Path { get; init; }

    /// <summary>With <c>etcd</c>: the etcd client URLs (<c>http://10.0.0.5:2379</c>), tried in turn.</summary>
    public IReadOnlyList<string>? Endpoints { get; init; }

    /// <summary>With <c>etcd</c>: the key prefix whose keys each hold one destination.</summary>
    public string? Prefix { get; init; }

    /// <summary>With <c>registration</c>: the admin principals (key ids, subjects or consumer ids) allowed to register instances; any admin when absent.</summary>
    public IReadOnlyList<string>? Registrants { get; init; }

    /// <summary>With <c>registration</c>: registration keys and the bounds on what may be registered; the defaults when absent.</summary>
    public RegistrationDefinition? Registration { get; init; }

    /// <summary>How often the source is read again (registration: the table; etcd: a full read besides the watch). Default 10s for registration, 5m for etcd; 1s to 1h.</summary>
    public string? RefreshInterval { get; init; }

    /// <summary>With <c>dns</c>: the shortest time between lookups, whatever the records' TTL. Default 5s; 1s to 1h.</summary>
    public string? MinTtl { get; init; }

    /// <summary>With <c>dns</c>: the longest time between lookups, whatever the records' TTL. Default 5m; 1s to 1h.</summary>
    public string? MaxTtl { get; init; }

    /// <summary>Most destinations taken from the source, 1 to 256 (default 256); more are left out and logged.</summary>
    public int? MaxDestinations { get; init; }
}
