using Portico.Configuration;
using Portico.Discovery.Sources;
using Portico.Proxy;
using Portico.Resilience;

namespace Portico.Discovery;

/// <summary>
/// Validates a backend's <c>destinations</c>, <c>loadBalancing</c> and <c>health</c>, naming the field in every error,
/// and builds its <see cref="DestinationCluster"/> once per snapshot. A destination that is still configured the same
/// keeps its state (requests in flight, ejection) from the previous snapshot.
/// </summary>
internal sealed class DiscoveryCompiler(DiscoveryTelemetry telemetry, TimeProvider time, ActiveHealthStates activeHealth, DiscoverySources sources)
{
    /// <summary>The most destinations one backend may list.</summary>
    public const int MaxDestinations = 256;

    /// <summary>The largest destination weight.</summary>
    public const int MaxWeight = 1000;

    /// <summary>Most metadata entries a discovered or registered destination keeps.</summary>
    public const int MaxMetadataEntries = 32;

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DestinationCluster> _previous = new(StringComparer.Ordinal);

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

        if (backend.Destinations is null && backend.Discovery is null)
        {
            if (backend.Url is null)
            {
                Error("url", "set 'url' (one address) or 'destinations' (several), or 'discovery' (a source that finds them)");
            }
            else if (backend.LoadBalancing is not null || backend.Health is not null)
            {
                Error(backend.LoadBalancing is not null ? "loadBalancing" : "health", "applies only to a backend with 'destinations' or 'discovery'");
            }

            return null;
        }

        if (backend.Url is not null)
        {
            Error(backend.Destinations is not null ? "destinations" : "discovery", $"set either 'url' or '{(backend.Destinations is not null ? "destinations" : "discovery")}', not both");
        }

        var listed = backend.Destinations ?? [];
        if (backend.Destinations is not null && (listed.Count is 0 || listed.Count > MaxDestinations))
        {
            Error("destinations", $"list 1 to {MaxDestinations} destinations");
        }

        var source = backend.Discovery is { } discovery ? DiscoverySourceCompiler.Compile(backend.Id, discovery, Error) : null;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < listed.Count; i++)
        {
            var destination = listed[i];
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

        var random = Random.Shared;
        BalancingPolicy Policy(Destination[] destinations) => policyName switch
        {
            RoundRobinPolicy.PolicyName => new RoundRobinPolicy([.. destinations.Select(d => d.Weight)]),
            WeightedRandomPolicy.PolicyName => new WeightedRandomPolicy(random),
            LeastRequestsPolicy.PolicyName => new LeastRequestsPolicy(random),
            ConsistentHashPolicy.PolicyName => new ConsistentHashPolicy(destinations, random),
            _ => new PowerOfTwoChoicesPolicy(random),
        };

        lock (_lock)
        {
            // Listed destinations configured the same as in the previous snapshot keep their state; discovered ones keep
            // theirs in their source (DiscoverySource.StateOf).
            var previous = _previous.GetValueOrDefault(backend.Id)?.Current.Destinations ?? [];
            var destinations = listed
                .Select(definition => previous.FirstOrDefault(d => d.Source == ListedSource && d.Matches(definition, passive))
                    ?? new Destination(definition, ListedSource, passive is null ? null : new DestinationHealth(passive, time)))
                .ToArray();
            foreach (var destination in destinations)
            {
                // Discovered destinations get theirs on the prober's next round (ActiveHealthStates.Attach).
                destination.Active = active is null ? null : activeHealth.For(backend.Id, destination.Url);
            }

            var cluster = new DestinationCluster(
                backend.Id, destinations, Policy, hashOn, header, backend.Health?.FailOpen ?? false, telemetry, time,
                source is null ? null : sources.GetOrCreate(source), passive)
            {
                ActiveHealth = active,
            };
            _previous[backend.Id] = cluster;
            return cluster;
        }
    }

    /// <summary>The <c>source</c> of a destination listed in the registry.</summary>
    public const string ListedSource = "registry";

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
}
