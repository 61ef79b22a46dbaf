using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;
using Portico.Routing;

namespace Portico.RateLimiting;

/// <summary>
/// Validates and compiles the rate-limit parts of a registry: policies, plans, consumers' plans and routes'
/// <c>rateLimit</c> and <c>maxConcurrentRequests</c>. Every error names the item and field. Each compiled route
/// gets its per-plan policy sets, so a request does one dictionary lookup to find what applies to it.
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

    /// <summary>Compiles policies and plans and attaches each route's sets to <paramref name="routes"/>.</summary>
    public void Compile(RegistryDocument document, IReadOnlyList<CompiledRoute> routes, CompileErrors errors)
    {
        var storageConfigured = options.Value.Storage.IsConfigured;
        var policies = new Dictionary<string, CompiledRateLimitPolicy>(StringComparer.Ordinal);
        for (int i = 0; i < document.RateLimitPolicies.Count; i++)
        {
            if (CompilePolicy(document.RateLimitPolicies[i], i, storageConfigured, errors) is { } policy)
            {
                policies.TryAdd(policy.Id, policy);
            }
        }

        var plans = new Dictionary<string, CompiledRateLimitPolicy[]>(StringComparer.Ordinal);
        for (int i = 0; i < document.Plans.Count; i++)
        {
            var plan = document.Plans[i];
            var resolved = Resolve(plan.Policies, policies, document, (field, message) => errors.Add("plans", i, $"plan '{plan.Id}'", field, message), "policies");
            plans.TryAdd(plan.Id, resolved);
        }

        for (int i = 0; i < document.Consumers.Count; i++)
        {
            var consumer = document.Consumers[i];
            if (consumer.Plan is { } plan && !plans.ContainsKey(plan))
            {
                errors.Add("consumers", i, $"consumer '{consumer.Id}'", "plan", $"unknown plan '{plan}'");
            }
        }

        var byId = new Dictionary<string, CompiledRoute>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            byId.TryAdd(route.Id, route); // a duplicate id is reported by the registry compiler
        }

        RouteRateLimits? planOnly = null;
        for (int i = 0; i < document.Routes.Count; i++)
        {
            var route = document.Routes[i];
            void Error(string field, string message) => errors.Add("routes", i, $"route '{route.Id}'", field, message);
            if (route.MaxConcurrentRequests is < 1 or > MaxConcurrency)
            {
                Error("maxConcurrentRequests", $"must be between 1 and {MaxConcurrency}");
            }

            var compiled = route.RateLimit is null
                ? planOnly ??= Build([], null, plans, policies, document, Error)
                : Build(route.RateLimit.Policies ?? [], route.RateLimit.Plans, plans, policies, document, Error);
            if (byId.TryGetValue(route.Id, out var target))
            {
                target.RateLimits = compiled;
            }
        }
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

    /// <summary>Compiles one policy (also used by tests); null when it has errors, which are added to <paramref name="errors"/>.</summary>
    internal static CompiledRateLimitPolicy? CompilePolicy(RateLimitPolicyDefinition definition, int index, bool storageConfigured, CompileErrors errors)
    {
        var before = errors.Count;
        void Error(string field, string message) => errors.Add(PolicyMember, index, $"rateLimitPolicy '{definition.Id}'", field, message);

        var key = CompileKey(definition.Key, Error);

        long interval = 0, burst = 0;
        double ratePerSecond = 0;
        if (definition.Rate is { } rate)
        {
            var ok = true;
            if (rate.Requests < 1)
            {
                Error("rate.requests", "must be at least 1");
                ok = false;
            }

            if (!Duration.TryParse(rate.Per, out var per) || per <= TimeSpan.Zero)
            {
                Error("rate.per", $"'{rate.Per}' is not a positive duration such as '1s' or '1m'");
                ok = false;
            }
            else if (per > MaxRatePeriod)
            {
                Error("rate.per", "at most 1d; use a quota for longer windows");
                ok = false;
            }

            burst = rate.Burst ?? rate.Requests;
            if (rate.Burst is not null && (burst < 1 || burst > MaxBurst))
            {
                Error("rate.burst", $"must be between 1 and {MaxBurst}");
                ok = false;
            }
            else if (rate.Burst is null && burst > MaxBurst)
            {
                Error("rate.requests", $"more than {MaxBurst}: set a smaller 'burst' explicitly");
                ok = false;
            }

            if (ok)
            {
                interval = per.Ticks / rate.Requests;
                if (interval < 1)
                {
                    Error("rate.requests", $"more than one request per 100 ns ({rate.Requests} per {rate.Per}) cannot be counted");
                }

                ratePerSecond = rate.Requests / per.TotalSeconds;
            }
        }

        var quotas = CounterLimits.None;
        long smallestQuota = long.MaxValue;
        if (definition.Quotas is { } quotaList)
        {
            for (int q = 0; q < quotaList.Count; q++)
            {
                var quota = quotaList[q];
                if (!QuotaWindow.TryParse(quota.Period, out var period))
                {
                    Error($"quotas[{q}].period", $"'{quota.Period}' is not one of hour, day, month");
                }
                else if (quotas.HasQuota(period))
                {
                    Error($"quotas[{q}].period", $"a second '{quota.Period}' quota; one per period");
                }
                else if (quota.Limit < 1)
                {
                    Error($"quotas[{q}].limit", "must be at least 1");
                }
                else
                {
                    quotas = quotas.WithQuota(period, quota.Limit);
                    smallestQuota = Math.Min(smallestQuota, quota.Limit);
                }
            }
        }

        var concurrency = definition.Concurrency ?? 0;
        if (definition.Concurrency is < 1 or > MaxConcurrency)
        {
            Error("concurrency", $"must be between 1 and {MaxConcurrency}");
        }

        if (definition.Rate is null && (definition.Quotas is null || definition.Quotas.Count == 0) && definition.Concurrency is null)
        {
            Error("", "set at least one of 'rate', 'quotas' or 'concurrency'");
        }

        var store = storageConfigured ? CounterStoreKind.Leased : CounterStoreKind.Local;
        switch (definition.Store)
        {
            case null:
                break;
            case "local":
                store = CounterStoreKind.Local;
                break;
            case "exact":
                store = CounterStoreKind.Exact;
                break;
            case "leased":
                store = CounterStoreKind.Leased;
                break;
            default:
                Error("store", $"'{definition.Store}' is not one of local, exact, leased");
                break;
        }

        var failClosed = false;
        switch (definition.OnStorageFailure)
        {
            case null or "failOpen":
                break;
            case "failClosed":
                failClosed = true;
                break;
            default:
                Error("onStorageFailure", $"'{definition.OnStorageFailure}' is not one of failOpen, failClosed");
                break;
        }

        if (definition.OnStorageFailure is not null && definition.Store == "local")
        {
            Error("onStorageFailure", "a local policy uses no storage; set it on exact or leased policies");
        }

        var headers = definition.Headers switch
        {
            null or "all" => RateLimitHeaderMode.All,
            "limited" => RateLimitHeaderMode.Limited,
            "none" => RateLimitHeaderMode.None,
            _ => (RateLimitHeaderMode?)null,
        };
        if (headers is null)
        {
            Error("headers", $"'{definition.Headers}' is not one of all, limited, none");
        }

        // Default lease cap (docs/rate-limiting.md): half the burst shared among the instances, so that the
        // tokens all instances can hold at once never exceed half a burst; quota-only policies lease a
        // thousandth of the smallest quota (at most 100), shared the same way.
        var leaseBase = interval > 0
            ? Math.Max(1, burst / 2)
            : Math.Clamp(smallestQuota == long.MaxValue ? 1 : smallestQuota / 1000, 1, 100);
        int? leaseMax = null;
        var leaseTtl = DefaultLeaseTtl;
        if (definition.Lease is { } lease)
        {
            if (definition.Store is "local" or "exact")
            {
                Error("lease", "only leased policies lease tokens");
            }

            if (lease.MaxTokens is { } max)
            {
                if (max < 1 || (interval > 0 && max > burst))
                {
                    Error("lease.maxTokens", $"must be between 1 and the burst ({burst})");
                }
                else
                {
                    leaseMax = max;
                }
            }

            if (lease.Ttl is not null)
            {
                if (!Duration.TryParse(lease.Ttl, out leaseTtl) || leaseTtl <= TimeSpan.Zero || leaseTtl > MaxLeaseTtl)
                {
                    Error("lease.ttl", $"'{lease.Ttl}' is not a duration between 1ms and 1m");
                }
            }
        }

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
