using Portico.Configuration;
using Portico.Proxy;
using Portico.Resilience;

namespace Portico.Discovery;

/// <summary>
/// Validates a backend's <c>destinations</c>, <c>loadBalancing</c> and <c>health</c>, naming the field in every error,
/// and builds its <see cref="DestinationCluster"/> once per snapshot. A destination that is still configured the same
/// keeps its state (requests in flight, ejection) from the previous snapshot.
/// </summary>
internal sealed class DiscoveryCompiler(DiscoveryTelemetry telemetry, TimeProvider time, ActiveHealthStates activeHealth)
{
    /// <summary>The most destinations one backend may list.</summary>
    public const int MaxDestinations = 256;

    /// <summary>The largest destination weight.</summary>
    public const int MaxWeight = 1000;

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Destination[]> _previous = new(StringComparer.Ordinal);

    /// <summary>
    /// The backend's cluster, or null for a single-URL backend (or one with errors, reported through
    /// <paramref name="error"/> as field and message).
    /// </summary>
    public DestinationCluster? Compile(BackendDefinition backend, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        if (backend.Destinations is null)
        {
            if (backend.Url is null)
            {
                Error("url", "set 'url' (one address) or 'destinations' (several)");
            }
            else if (backend.LoadBalancing is not null || backend.Health is not null)
            {
                Error(backend.LoadBalancing is not null ? "loadBalancing" : "health", "applies only to a backend with 'destinations'");
            }

            return null;
        }

        if (backend.Url is not null)
        {
            Error("destinations", "set either 'url' or 'destinations', not both");
        }

        if (backend.Destinations.Count is 0 or > MaxDestinations)
        {
            Error("destinations", $"list 1 to {MaxDestinations} destinations");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < backend.Destinations.Count; i++)
        {
            var destination = backend.Destinations[i];
            if (BackendUrl.Problem(destination.Url) is { } problem)
            {
                Error($"destinations[{i}].url", problem);
            }
            else if (!seen.TryAdd(destination.Url.TrimEnd('/'), i))
            {
                Error($"destinations[{i}].url", $"duplicate destination: destinations[{seen[destination.Url.TrimEnd('/')]}] has it already");
            }

            if (destination.Weight is < 1 or > MaxWeight)
            {
                Error($"destinations[{i}].weight", $"must be between 1 and {MaxWeight}");
            }
        }

        var (policyName, hashOn, header) = LoadBalancing(backend.LoadBalancing, Error);
        var passive = Passive(backend.Health?.Passive, Error);
        var active = ActiveHealthCompiler.Compile(backend.Health?.Active, backend.Protocol == "grpc", (field, message) => Error("health.active." + field, message));
        if (failed)
        {
            return null;
        }

        var destinations = Reuse(backend, passive);
        foreach (var destination in destinations)
        {
            destination.Active = active is null ? null : activeHealth.For(backend.Id, destination.Url);
        }

        var random = Random.Shared;
        BalancingPolicy policy = policyName switch
        {
            RoundRobinPolicy.PolicyName => new RoundRobinPolicy([.. destinations.Select(d => d.Weight)]),
            WeightedRandomPolicy.PolicyName => new WeightedRandomPolicy(random),
            LeastRequestsPolicy.PolicyName => new LeastRequestsPolicy(random),
            ConsistentHashPolicy.PolicyName => new ConsistentHashPolicy(destinations, random),
            _ => new PowerOfTwoChoicesPolicy(random),
        };
        return new DestinationCluster(backend.Id, destinations, policy, hashOn, header, backend.Health?.FailOpen ?? false, telemetry, time) { ActiveHealth = active };
    }

    private static (string Policy, AffinityKeySource HashOn, string? Header) LoadBalancing(LoadBalancingDefinition? definition, Action<string, string> error)
    {
        var policy = definition?.Policy ?? PowerOfTwoChoicesPolicy.PolicyName;
        string[] policies = [PowerOfTwoChoicesPolicy.PolicyName, RoundRobinPolicy.PolicyName, WeightedRandomPolicy.PolicyName, LeastRequestsPolicy.PolicyName, ConsistentHashPolicy.PolicyName];
        if (!policies.Contains(policy, StringComparer.Ordinal))
        {
            error("loadBalancing.policy", $"'{policy}' is not one of {string.Join(", ", policies.Select(p => $"'{p}'"))}");
        }

        var hashOn = AffinityKeySource.ClientIp;
        if (definition?.HashOn is { } key)
        {
            if (policy != ConsistentHashPolicy.PolicyName)
            {
                error("loadBalancing.hashOn", "applies only to the 'consistentHash' policy");
            }

            hashOn = key switch
            {
                "clientIp" => AffinityKeySource.ClientIp,
                "header" => AffinityKeySource.Header,
                "consumer" => AffinityKeySource.Consumer,
                _ => Invalid(),
            };

            AffinityKeySource Invalid()
            {
                error("loadBalancing.hashOn", $"'{key}' is not one of 'clientIp', 'header', 'consumer'");
                return AffinityKeySource.ClientIp;
            }
        }

        var header = definition?.Header;
        if (policy != ConsistentHashPolicy.PolicyName)
        {
            if (header is not null && definition?.HashOn is null)
            {
                error("loadBalancing.header", "applies only to the 'consistentHash' policy");
            }
        }
        else if (hashOn == AffinityKeySource.Header && (header is null || !HttpToken.IsValid(header)))
        {
            error("loadBalancing.header", "name the request header whose value is the key (a valid header name)");
        }
        else if (hashOn != AffinityKeySource.Header && header is not null)
        {
            error("loadBalancing.header", "applies only with 'hashOn': 'header'");
        }

        return (policy, hashOn, header);
    }

    private static PassiveHealthSettings? Passive(PassiveHealthDefinition? definition, Action<string, string> error)
    {
        if (definition?.Enabled == false)
        {
            return null;
        }

        void Error(string field, string message) => error("health.passive." + field, message);
        var settings = new PassiveHealthSettings
        {
            Key = definition is null ? "" : RegistrySerializer.SerializeItem(definition, Configuration.RegistryJsonContext.Default.PassiveHealthDefinition),
            ConsecutiveFailures = definition?.ConsecutiveFailures ?? 5,
            FailureRatio = definition?.FailureRatio ?? 0.5,
            MinimumRequests = definition?.MinimumRequests ?? 20,
            Interval = ResilienceCompiler.Duration("interval", definition?.Interval, TimeSpan.FromSeconds(10), MinInterval, MaxInterval, Error),
            BaseEjectionTime = ResilienceCompiler.Duration("baseEjectionTime", definition?.BaseEjectionTime, TimeSpan.FromSeconds(30), MinInterval, MaxInterval, Error),
            MaxEjectionTime = ResilienceCompiler.Duration("maxEjectionTime", definition?.MaxEjectionTime, TimeSpan.FromMinutes(5), MinInterval, MaxInterval, Error),
            MaxEjectedPercent = definition?.MaxEjectedPercent ?? 50,
            FailureStatusCodes = ResilienceCompiler.StatusCodes("failureStatusCodes", definition?.FailureStatusCodes, [502, 503, 504], 400, Error),
        };

        if (settings.ConsecutiveFailures is < 1 or > 1000)
        {
            Error("consecutiveFailures", "must be between 1 and 1000");
        }

        if (!(settings.FailureRatio > 0 && settings.FailureRatio <= 1))
        {
            Error("failureRatio", "must be above 0 and at most 1");
        }

        if (settings.MinimumRequests < 2)
        {
            Error("minimumRequests", "must be at least 2");
        }

        if (settings.MaxEjectedPercent is < 0 or > 100)
        {
            Error("maxEjectedPercent", "must be between 0 and 100");
        }

        if (settings.MaxEjectionTime < settings.BaseEjectionTime)
        {
            Error("maxEjectionTime", "must not be shorter than 'baseEjectionTime'");
        }

        return settings;
    }

    /// <summary>The backend's destinations, reusing the previous snapshot's state for those configured the same.</summary>
    private Destination[] Reuse(BackendDefinition backend, PassiveHealthSettings? passive)
    {
        lock (_lock)
        {
            var previous = _previous.GetValueOrDefault(backend.Id) ?? [];
            var destinations = backend.Destinations!
                .Select(definition => previous.FirstOrDefault(d => d.Matches(definition, passive))
                    ?? new Destination(definition, "registry", passive is null ? null : new DestinationHealth(passive, time)))
                .ToArray();
            _previous[backend.Id] = destinations;
            return destinations;
        }
    }
}
