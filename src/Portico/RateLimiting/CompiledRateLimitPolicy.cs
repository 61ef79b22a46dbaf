using Portico.Configuration;

namespace Portico.RateLimiting;

/// <summary>A rate-limit policy ready to use: limits in ticks, key parts parsed, header text prepared, built once per snapshot.</summary>
internal sealed class CompiledRateLimitPolicy
{
    public CompiledRateLimitPolicy(
        RateLimitPolicyDefinition definition,
        RateLimitKey key,
        CounterLimits limits,
        int concurrency,
        CounterStoreKind store,
        bool storeIsShared,
        bool failClosed,
        RateLimitHeaderMode headers,
        long leaseBase,
        int? leaseMaxTokens,
        long leaseTtlTicks)
    {
        Definition = definition;
        Key = key;
        Limits = limits;
        Concurrency = concurrency;
        Store = store;
        StoreIsShared = storeIsShared;
        FailClosed = failClosed;
        Headers = headers;
        LeaseBase = leaseBase;
        LeaseMaxTokens = leaseMaxTokens;
        LeaseTtlTicks = leaseTtlTicks;
        PolicyHeaderItems = RateLimitHeaders.PolicyItems(this);
        var rateText = definition.Rate is { } rate
            ? $"{rate.Requests} requests per {rate.Per}" + (limits.Burst != rate.Requests ? $" with bursts of {limits.Burst}" : "")
            : null;
        // 429 texts are prepared once: refusing a request allocates as little as possible.
        LimitedDetail = rateText is null ? $"Policy {Id} cannot admit more requests now." : $"Policy {Id} allows {rateText}.";
        ConcurrencyDetail = $"Policy {Id} allows {concurrency} requests in flight at once.";
        UnavailableDetail = $"The counters of policy {Id} cannot be reached; retry after the time in Retry-After.";
        ProblemExtensions = [new("policy", Id)];
    }

    /// <summary>The detail of a 429 for the rate.</summary>
    public string LimitedDetail { get; }

    /// <summary>The detail of a 429 for the concurrency limit.</summary>
    public string ConcurrencyDetail { get; }

    /// <summary>The detail of a 503 while storage is unreachable (failClosed).</summary>
    public string UnavailableDetail { get; }

    /// <summary>The RFC 9457 extension members of this policy's answers: its id.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> ProblemExtensions { get; }

    public RateLimitPolicyDefinition Definition { get; }

    public string Id => Definition.Id;

    public RateLimitKey Key { get; }

    public CounterLimits Limits { get; }

    /// <summary>Most requests of one key in flight per instance; 0 for none.</summary>
    public int Concurrency { get; }

    /// <summary>The store as configured (or defaulted).</summary>
    public CounterStoreKind Store { get; }

    /// <summary>False when the policy asks for a shared store but no storage is configured: it then counts locally.</summary>
    public bool StoreIsShared { get; }

    public bool FailClosed { get; }

    public RateLimitHeaderMode Headers { get; }

    /// <summary>The configured largest lease (<c>lease.maxTokens</c>), if any.</summary>
    public int? LeaseMaxTokens { get; }

    /// <summary>Tokens all instances may hold at once by default (half the burst), divided among them by <see cref="LeaseCap"/>.</summary>
    public long LeaseBase { get; }

    /// <summary>How long leased tokens may be spent.</summary>
    public long LeaseTtlTicks { get; }

    /// <summary>This policy's items of the <c>RateLimit-Policy</c> header, prepared once.</summary>
    public string PolicyHeaderItems { get; }

    /// <summary>
    /// The largest lease one of <paramref name="instances"/> instances takes: <c>lease.maxTokens</c> when set,
    /// otherwise an even share of <see cref="LeaseBase"/> (at least one token).
    /// </summary>
    public long LeaseCap(int instances) => LeaseMaxTokens ?? Math.Max(1, LeaseBase / Math.Max(1, instances));

    /// <summary>The store actually used: shared stores fall back to <c>local</c> when no storage is configured.</summary>
    public CounterStoreKind EffectiveStore => StoreIsShared ? Store : CounterStoreKind.Local;

    /// <summary>Whether the policy counts anything per request (a concurrency-only policy does not).</summary>
    public bool Counts => Limits.HasRate || Limits.HasQuotas;
}
