namespace Portico.Configuration;

/// <summary>
/// What a backend's instance registrations may be and who may make them (docs/discovery.md#registration): a
/// registrant decides where the gateway sends requests, so its keys and the addresses, ports, count and TTL it may
/// register are bounded here.
/// </summary>
public sealed record RegistrationDefinition
{
    /// <summary>Registration keys (hashed) that may register, renew and deregister instances of this backend only, and call nothing else.</summary>
    public IReadOnlyList<RegistrationKeyDefinition>? Keys { get; init; }

    /// <summary>Networks (CIDR such as <c>10.0.0.0/8</c>, or one address) an instance's IP address must be in; loopback, link-local and metadata addresses only when listed here.</summary>
    public IReadOnlyList<string>? AllowedNetworks { get; init; }

    /// <summary>Host names an instance may use (<c>orders.internal</c>, or <c>*.orders.internal</c> for any name under it).</summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>The ports an instance may listen on; any when absent.</summary>
    public IReadOnlyList<int>? AllowedPorts { get; init; }

    /// <summary>Most live registrations of the backend, 1 to 256 (default: the source's <c>maxDestinations</c>).</summary>
    public int? MaxInstances { get; init; }

    /// <summary>Longest TTL a registration may ask for, 5s to 1h (default 1h).</summary>
    public string? MaxTtl { get; init; }
}
