namespace Portico.RateLimiting;

/// <summary>
/// The policies one request is checked against (a route's own plus its consumer's plan's), ordered so that the
/// cheap ones decide first: <c>local</c>, then <c>leased</c>, then <c>exact</c>. A request denied by a cheap
/// policy never costs a storage write. The <c>RateLimit-Policy</c> values are prepared once.
/// </summary>
internal sealed class PolicySet
{
    public static readonly PolicySet Empty = new([]);

    public PolicySet(IReadOnlyList<CompiledRateLimitPolicy> policies)
    {
        Policies = [.. policies.OrderBy(p => p.EffectiveStore switch { CounterStoreKind.Local => 0, CounterStoreKind.Leased => 1, _ => 2 })];
        PolicyHeaderAll = RateLimitHeaders.JoinPolicies(Policies.Where(p => RateLimitHeaders.Includes(p, limited: false)));
        PolicyHeaderLimited = RateLimitHeaders.JoinPolicies(Policies.Where(p => RateLimitHeaders.Includes(p, limited: true)));
        HasConcurrency = Array.Exists(Policies, p => p.Concurrency > 0);
    }

    /// <summary>The policies, cheapest store first (stable within a store).</summary>
    public CompiledRateLimitPolicy[] Policies { get; }

    /// <summary><c>RateLimit-Policy</c> for an allowed response; null when no policy shows on one.</summary>
    public string? PolicyHeaderAll { get; }

    /// <summary><c>RateLimit-Policy</c> for a limited (429) response.</summary>
    public string? PolicyHeaderLimited { get; }

    public bool HasConcurrency { get; }

    public bool IsEmpty => Policies.Length == 0;
}
