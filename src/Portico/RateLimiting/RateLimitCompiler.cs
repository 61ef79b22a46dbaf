using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;

namespace Portico.RateLimiting;

/// <summary>
/// Validates and compiles the rate-limit parts of a registry: policies, plans, consumers' plans and routes'
/// <c>rateLimit</c> and <c>maxConcurrentRequests</c>. Every error names the item and field. Each route gets its
/// per-plan policy sets, so a request does one dictionary lookup to find what applies to it.
/// </summary>
internal sealed class RateLimitCompiler(IOptions<PorticoOptions> options)
{
    /// <summary>Largest burst: keeps GCRA arithmetic (ticks × tokens) far from overflow.</summary>
    public const int MaxBurst = 10_000_000;

    public const int MaxConcurrency = 1_000_000;

    /// <summary>Longest rate period; longer windows are quotas' job.</summary>
    public static readonly TimeSpan MaxRatePeriod = TimeSpan.FromDays(1);

    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxLeaseTtl = TimeSpan.FromMinutes(1);

    private const string PolicyMember = "rateLimitPolicies";

    /// <summary>
    /// Compiles policies and plans, checks consumers' plans, and returns each route's policy sets, in the order of
    /// <see cref="RegistryDocument.Routes"/>: the route table is built from them, so a compiled route never changes.
    /// </summary>
    public RouteRateLimits[] Compile(RegistryDocument document, CompileErrors errors)
    {
        var policies = CompilePolicies(document, options.Value.Storage.IsConfigured, errors);
        var plans = CompilePlans(document, policies, errors);
        CheckConsumerPlans(document, plans, errors);
        return CompileRoutes(document, plans, policies, errors);
    }

    private static Dictionary<string, CompiledRateLimitPolicy> CompilePolicies(RegistryDocument document, bool storageConfigured, CompileErrors errors)
    {
        var policies = new Dictionary<string, CompiledRateLimitPolicy>(StringComparer.Ordinal);
        for (int i = 0; i < document.RateLimitPolicies.Count; i++)
        {
            if (CompilePolicy(document.RateLimitPolicies[i], i, storageConfigured, errors) is { } policy)
            {
                policies.TryAdd(policy.Id, policy);
            }
        }

        return policies;
    }

    /// <summary><c>plans[].policies</c>: known policies, none twice; plan id to its policies.</summary>
    private static Dictionary<string, CompiledRateLimitPolicy[]> CompilePlans(
        RegistryDocument document, Dictionary<string, CompiledRateLimitPolicy> policies, CompileErrors errors)
    {
        var plans = new Dictionary<string, CompiledRateLimitPolicy[]>(StringComparer.Ordinal);
        for (int i = 0; i < document.Plans.Count; i++)
        {
            var plan = document.Plans[i];
            var resolved = Resolve(plan.Policies, policies, document, (field, message) => errors.Add("plans", i, $"plan '{plan.Id}'", field, message), "policies");
            plans.TryAdd(plan.Id, resolved);
        }

        return plans;
    }

    /// <summary><c>consumers[].plan</c> names a plan of the registry.</summary>
    private static void CheckConsumerPlans(RegistryDocument document, Dictionary<string, CompiledRateLimitPolicy[]> plans, CompileErrors errors)
    {
        for (int i = 0; i < document.Consumers.Count; i++)
        {
            var consumer = document.Consumers[i];
            if (consumer.Plan is { } plan && !plans.ContainsKey(plan))
            {
                errors.Add("consumers", i, $"consumer '{consumer.Id}'", "plan", $"unknown plan '{plan}'");
            }
        }
    }

    /// <summary>Each route's <c>maxConcurrentRequests</c> and <c>rateLimit</c>: its policy sets, one per plan.</summary>
    private static RouteRateLimits[] CompileRoutes(
        RegistryDocument document,
        Dictionary<string, CompiledRateLimitPolicy[]> plans,
        Dictionary<string, CompiledRateLimitPolicy> policies,
        CompileErrors errors)
    {
        var result = new RouteRateLimits[document.Routes.Count];
        RouteRateLimits? planOnly = null;
        for (int i = 0; i < document.Routes.Count; i++)
        {
            var route = document.Routes[i];
            void Error(string field, string message) => errors.Add("routes", i, $"route '{route.Id}'", field, message);
            if (route.MaxConcurrentRequests is < 1 or > MaxConcurrency)
            {
                Error("maxConcurrentRequests", $"must be between 1 and {MaxConcurrency}");
            }

            // Routes without a rateLimit of their own share one set: their plans' policies.
            result[i] = route.RateLimit is null
                ? planOnly ??= Build([], null, plans, policies, document, Error)
                : Build(route.RateLimit.Policies ?? [], route.RateLimit.Plans, plans, policies, document, Error);
        }

        return result;
    }

    private static RouteRateLimits Build(
        IReadOnlyList<string> routePolicies,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? overrides,
        Dictionary<string, CompiledRateLimitPolicy[]> plans,
        Dictionary<string, CompiledRateLimitPolicy> policies,
        RegistryDocument document,
        Action<string, string> error)
    {
        var added = Resolve(routePolicies, policies, document, error, "rateLimit.policies");
        var planOverrides = new Dictionary<string, CompiledRateLimitPolicy[]>(StringComparer.Ordinal);
        foreach (var (planId, ids) in overrides ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            if (!plans.ContainsKey(planId))
            {
                error("rateLimit.plans", $"unknown plan '{planId}'");
                continue;
            }

            planOverrides[planId] = Resolve(ids, policies, document, error, $"rateLimit.plans.{planId}");
        }

        var byPlan = new Dictionary<string, PolicySet>(StringComparer.Ordinal);
        foreach (var (planId, planPolicies) in plans)
        {
            var chosen = planOverrides.TryGetValue(planId, out var replaced) ? replaced : planPolicies;
            byPlan[planId] = new PolicySet([.. chosen.Concat(added).DistinctBy(p => p.Id)]);
        }

        return new RouteRateLimits(added.Length == 0 ? PolicySet.Empty : new PolicySet(added), byPlan);
    }

    private static CompiledRateLimitPolicy[] Resolve(
        IReadOnlyList<string> ids,
        Dictionary<string, CompiledRateLimitPolicy> policies,
        RegistryDocument document,
        Action<string, string> error,
        string field)
    {
        var result = new List<CompiledRateLimitPolicy>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!seen.Add(id))
            {
                error(field, $"policy '{id}' is listed twice");
            }
            else if (policies.TryGetValue(id, out var policy))
            {
                result.Add(policy);
            }
            else if (!document.RateLimitPolicies.Any(p => p.Id == id))
            {
                // A policy that exists but failed to compile has its own error already.
                error(field, $"unknown rate-limit policy '{id}'");
            }
        }

        return [.. result];
    }

    /// <summary>
    /// Compiles one <c>rateLimitPolicies[]</c> item, field by field as docs/configuration.md lists them (also used by
    /// tests); null when it has errors, which are added to <paramref name="errors"/>.
    /// </summary>
    internal static CompiledRateLimitPolicy? CompilePolicy(RateLimitPolicyDefinition definition, int index, bool storageConfigured, CompileErrors errors)
    {
        var before = errors.Count;
        void Error(string field, string message) => errors.Add(PolicyMember, index, $"rateLimitPolicy '{definition.Id}'", field, message);

        var key = CompileKey(definition.Key, Error);
        var (interval, burst) = CompileRate(definition.Rate, Error);
        var (quotas, smallestQuota) = CompileQuotas(definition.Quotas, Error);
        var concurrency = definition.Concurrency ?? 0;
        if (definition.Concurrency is < 1 or > MaxConcurrency)
        {
            Error("concurrency", $"must be between 1 and {MaxConcurrency}");
        }

        if (definition.Rate is null && (definition.Quotas is null || definition.Quotas.Count == 0) && definition.Concurrency is null)
        {
            Error("", "set at least one of 'rate', 'quotas' or 'concurrency'");
        }

        var store = CompileStore(definition.Store, storageConfigured, Error);
        var failClosed = CompileOnStorageFailure(definition, Error);
        var headers = CompileHeaders(definition.Headers, Error);
        var (leaseBase, leaseMax, leaseTtl) = CompileLease(definition, interval, burst, smallestQuota, Error);
        if (errors.Count > before || key is null)
        {
            return null;
        }

        var limits = new CounterLimits(interval, burst, default);
        foreach (var period in QuotaWindow.AllPeriods)
        {
            limits = limits.WithQuota(period, quotas.Quota(period));
        }

        var shared = store != CounterStoreKind.Local && storageConfigured;
        return new CompiledRateLimitPolicy(definition, key, limits, concurrency, store, shared, failClosed, headers!.Value, leaseBase, leaseMax, leaseTtl.Ticks);
    }

    /// <summary>
    /// <c>rate</c>: <c>requests</c> per <c>per</c> (at most 1d), with bursts of <c>burst</c> (default: <c>requests</c>);
    /// the interval between tokens in ticks (0 without a valid rate) and the burst.
    /// </summary>
    internal static (long Interval, long Burst) CompileRate(RateDefinition? rate, Action<string, string> error)
    {
        if (rate is null)
        {
            return (0, 0);
        }

        var ok = true;
        if (rate.Requests < 1)
        {
            error("rate.requests", "must be at least 1");
            ok = false;
        }

        if (!Duration.TryParse(rate.Per, out var per) || per <= TimeSpan.Zero)
        {
            error("rate.per", $"'{rate.Per}' is not a positive duration such as '1s' or '1m'");
            ok = false;
        }
        else if (per > MaxRatePeriod)
        {
            error("rate.per", "at most 1d; use a quota for longer windows");
            ok = false;
        }

        var burst = rate.Burst ?? rate.Requests;
        if (rate.Burst is not null && (burst < 1 || burst > MaxBurst))
        {
            error("rate.burst", $"must be between 1 and {MaxBurst}");
            ok = false;
        }
        else if (rate.Burst is null && burst > MaxBurst)
        {
            error("rate.requests", $"more than {MaxBurst}: set a smaller 'burst' explicitly");
            ok = false;
        }

        if (!ok)
        {
            return (0, burst);
        }

        var interval = per.Ticks / rate.Requests;
        if (interval < 1)
        {
            error("rate.requests", $"more than one request per 100 ns ({rate.Requests} per {rate.Per}) cannot be counted");
        }

        return (interval, burst);
    }

    /// <summary><c>quotas[]</c>: one per <c>period</c> (hour, day, month), each <c>limit</c> at least 1; and the smallest limit.</summary>
    private static (CounterLimits Quotas, long Smallest) CompileQuotas(IReadOnlyList<QuotaDefinition>? quotaList, Action<string, string> error)
    {
        var quotas = CounterLimits.None;
        long smallest = long.MaxValue;
        for (int q = 0; q < (quotaList?.Count ?? 0); q++)
        {
            var quota = quotaList![q];
            if (!QuotaWindow.TryParse(quota.Period, out var period))
            {
                error($"quotas[{q}].period", $"'{quota.Period}' is not one of hour, day, month");
            }
            else if (quotas.HasQuota(period))
            {
                error($"quotas[{q}].period", $"a second '{quota.Period}' quota; one per period");
            }
            else if (quota.Limit < 1)
            {
                error($"quotas[{q}].limit", "must be at least 1");
            }
            else
            {
                quotas = quotas.WithQuota(period, quota.Limit);
                smallest = Math.Min(smallest, quota.Limit);
            }
        }

        return (quotas, smallest);
    }

    /// <summary><c>store</c>: local, exact or leased; leased by default with storage configured, else local.</summary>
    private static CounterStoreKind CompileStore(string? text, bool storageConfigured, Action<string, string> error)
    {
        switch (text)
        {
            case null:
                return storageConfigured ? CounterStoreKind.Leased : CounterStoreKind.Local;
            case "local":
                return CounterStoreKind.Local;
            case "exact":
                return CounterStoreKind.Exact;
            case "leased":
                return CounterStoreKind.Leased;
            default:
                error("store", $"'{text}' is not one of local, exact, leased");
                return storageConfigured ? CounterStoreKind.Leased : CounterStoreKind.Local;
        }
    }

    /// <summary><c>onStorageFailure</c>: failOpen (the default) or failClosed, for exact and leased policies; true for failClosed.</summary>
    private static bool CompileOnStorageFailure(RateLimitPolicyDefinition definition, Action<string, string> error)
    {
        var failClosed = false;
        switch (definition.OnStorageFailure)
        {
            case null or "failOpen":
                break;
            case "failClosed":
                failClosed = true;
                break;
            default:
                error("onStorageFailure", $"'{definition.OnStorageFailure}' is not one of failOpen, failClosed");
                break;
        }

        if (definition.OnStorageFailure is not null && definition.Store == "local")
        {
            error("onStorageFailure", "a local policy uses no storage; set it on exact or leased policies");
        }

        return failClosed;
    }

    /// <summary><c>headers</c>: all (the default), limited or none; null when it is none of them.</summary>
    private static RateLimitHeaderMode? CompileHeaders(string? text, Action<string, string> error)
    {
        var headers = text switch
        {
            null or "all" => RateLimitHeaderMode.All,
            "limited" => RateLimitHeaderMode.Limited,
            "none" => RateLimitHeaderMode.None,
            _ => (RateLimitHeaderMode?)null,
        };
        if (headers is null)
        {
            error("headers", $"'{text}' is not one of all, limited, none");
        }

        return headers;
    }

    /// <summary>
    /// <c>lease</c>, for leased policies: <c>maxTokens</c> (1 to the burst) and <c>ttl</c> (at most 1m); the default lease
    /// cap is half the burst, or a thousandth of the smallest quota (at most 100) for quota-only policies.
    /// </summary>
    private static (long Base, int? MaxTokens, TimeSpan Ttl) CompileLease(
        RateLimitPolicyDefinition definition, long interval, long burst, long smallestQuota, Action<string, string> error)
    {
        // Default lease cap (docs/rate-limiting.md): half the burst shared among the instances, so that the
        // tokens all instances can hold at once never exceed half a burst; quota-only policies lease a
        // thousandth of the smallest quota (at most 100), shared the same way.
        var leaseBase = interval > 0
            ? Math.Max(1, burst / 2)
            : Math.Clamp(smallestQuota == long.MaxValue ? 1 : smallestQuota / 1000, 1, 100);
        int? leaseMax = null;
        var leaseTtl = DefaultLeaseTtl;
        if (definition.Lease is not { } lease)
        {
            return (leaseBase, leaseMax, leaseTtl);
        }

        if (definition.Store is "local" or "exact")
        {
            error("lease", "only leased policies lease tokens");
        }

        if (lease.MaxTokens is { } max)
        {
            if (max < 1 || (interval > 0 && max > burst))
            {
                error("lease.maxTokens", $"must be between 1 and the burst ({burst})");
            }
            else
            {
                leaseMax = max;
            }
        }

        if (lease.Ttl is not null && (!Duration.TryParse(lease.Ttl, out leaseTtl) || leaseTtl <= TimeSpan.Zero || leaseTtl > MaxLeaseTtl))
        {
            error("lease.ttl", $"'{lease.Ttl}' is not a duration between 1ms and 1m");
        }

        return (leaseBase, leaseMax, leaseTtl);
    }

    private static RateLimitKey? CompileKey(IReadOnlyList<string>? parts, Action<string, string> error)
    {
        if (parts is null)
        {
            return new RateLimitKey([new KeyPart(KeyPartKind.Consumer, null)]);
        }

        if (parts.Count == 0 || parts.Count > 4)
        {
            error("key", "name 1 to 4 key parts, for example [\"consumer\"] or [\"clientIp\", \"route\"]");
            return null;
        }

        var result = new List<KeyPart>();
        foreach (var text in parts)
        {
            if (KeyPart.Parse(text, out var message) is not { } part)
            {
                error("key", message!);
                return null;
            }

            if (result.Contains(part))
            {
                error("key", $"'{text}' is named twice");
                return null;
            }

            result.Add(part);
        }

        return new RateLimitKey([.. result]);
    }
}
