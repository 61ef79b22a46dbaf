using Portico.Problems;

namespace Portico.AddressLimits;

/// <summary>The problems of per-address limits (docs/problems.md lists them with the others).</summary>
internal static class AddressLimitProblems
{
    /// <summary>The client address is over the gateway's or the route's per-address rate, counted before authentication.</summary>
    public static readonly Problem RateLimited = new(429, "address-rate-limited", "Too many requests from this address");

    /// <summary>The client address presented too many rejected credentials; it is refused before any credential is read.</summary>
    public static readonly Problem AuthenticationThrottled = new(429, "authentication-throttled", "Too many failed authentication attempts from this address");

    /// <summary>The client address has as many requests in flight as one address may.</summary>
    public static readonly Problem ConcurrencyLimited = new(429, "address-concurrency-limited", "Too many requests in flight from this address");
}
