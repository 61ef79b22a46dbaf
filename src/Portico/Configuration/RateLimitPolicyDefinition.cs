namespace Portico.Configuration;

/// <summary>
/// A named rate-limit policy: what it counts by (<see cref="Key"/>), how fast (<see cref="Rate"/>), how much per
/// calendar window (<see cref="Quotas"/>), how many at once (<see cref="Concurrency"/>), and where its counters
/// live (<see cref="Store"/>). Plans and routes refer to policies by id.
/// </summary>
public sealed record RateLimitPolicyDefinition
{
    /// <summary>Unique id; named in <c>RateLimit</c> headers and in 429 answers.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// What is counted separately: one or more of <c>consumer</c> (default), <c>apiKey</c> (or <c>apiKey:Header-Name</c>),
    /// <c>clientIp</c>, <c>header:Name</c>, <c>claim:name</c>, <c>route</c>. Several parts make a composite key.
    /// </summary>
    public IReadOnlyList<string>? Key { get; init; }

    /// <summary>The steady rate and the burst allowance (token bucket).</summary>
    public RateDefinition? Rate { get; init; }

    /// <summary>Quotas over calendar windows in UTC (at most one per period).</summary>
    public IReadOnlyList<QuotaDefinition>? Quotas { get; init; }

    /// <summary>Largest number of requests of one key in flight at once, per gateway instance.</summary>
    public int? Concurrency { get; init; }

    /// <summary>
    /// Where counters live: <c>local</c> (this instance's memory), <c>exact</c> (every admission confirmed by a
    /// conditional update in Table storage) or <c>leased</c> (blocks of tokens leased from Table storage). Default
    /// <c>leased</c> when storage is configured, otherwise <c>local</c>.
    /// </summary>
    public string? Store { get; init; }

    /// <summary><c>failOpen</c> (default: local limiting at this instance's share) or <c>failClosed</c> (503) while storage is unreachable.</summary>
    public string? OnStorageFailure { get; init; }

    /// <summary><c>all</c> (default: on every response), <c>limited</c> (only on 429 answers) or <c>none</c>: when <c>RateLimit</c> headers are sent.</summary>
    public string? Headers { get; init; }

    /// <summary>Tuning of the <c>leased</c> store.</summary>
    public LeaseDefinition? Lease { get; init; }
}
