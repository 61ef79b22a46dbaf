namespace Portico.AddressLimits;

/// <summary>
/// Limits per client address (<c>Portico:AddressLimits:*</c>), keyed by the address as resolved through trusted proxies
/// and checked before any credential is verified, so floods and credential stuffing cost the gateway a dictionary lookup
/// each. Counted in memory per instance (docs/security.md).
/// </summary>
public sealed class AddressLimitsOptions
{
    /// <summary>Requests per address on every route, before authentication; off by default (<see cref="AddressRateOptions.Requests"/> 0).</summary>
    public AddressRateOptions Rate { get; set; } = new();

    /// <summary>Failed authentication attempts per address; on by default (100 a minute).</summary>
    public FailedAuthenticationOptions FailedAuthentication { get; set; } = new();

    /// <summary>Most requests in flight at once from one address in this instance; more get 429. 0 turns it off. Default 1,000.</summary>
    public int MaxConcurrentRequests { get; set; } = 1_000;

    /// <summary>Most addresses each limit remembers at once; idle ones are forgotten first. Default 100,000.</summary>
    public int MaxTrackedAddresses { get; set; } = 100_000;

    /// <summary><c>portico serve</c> only: most open connections in all. 0 turns it off. Default 10,000.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary><c>portico serve</c> only: most open connections from one address (its /64 for IPv6). 0 turns it off. Default 1,000.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 1_000;
}
