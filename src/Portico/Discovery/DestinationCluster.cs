using Portico.Configuration;
using Portico.Discovery.Sources;
using Portico.Pipeline;

namespace Portico.Discovery;

/// <summary>
/// A backend's destinations with their load-balancing policy and passive health, built once per snapshot. Chooses a
/// destination for each attempt: one the policy picks among the healthy ones this request has not tried, then among
/// the healthy ones it has, then (failing open) among all; otherwise none, and the attempt is answered 503. With a
/// discovery source, the destinations are the listed ones plus the source's latest, adopted on the first pick after
/// the source published them: a new <see cref="DestinationSet"/> is swapped in, while attempts already sent finish on
/// the destinations they chose. A destination that stays (same URL, weight, metadata) keeps its state object.
/// </summary>
internal sealed class DestinationCluster
{
    /// <summary>
    /// What a cluster backend's request URI starts with until a destination is chosen (RFC 6761 §6.4: <c>.invalid</c>
    /// never resolves, so a request that somehow skipped the choice cannot leave the gateway).
    /// </summary>
    public const string Placeholder = "http://destinations.portico.invalid";

    private readonly Lock _ejectionLock = new();
    private readonly Lock _rebuildLock = new();
    private readonly Destination[] _listed;
    private readonly Func<Destination[], BalancingPolicy> _policyFactory;
    private readonly PassiveHealthSettings? _passive;
    private readonly AffinityKeySource _hashOn;
    private readonly string? _hashHeader;
    private readonly DiscoveryTelemetry _telemetry;
    private readonly TimeProvider _time;
    private DestinationSet _set;

    public DestinationCluster(
        string backendId,
        Destination[] destinations,
        Func<Destination[], BalancingPolicy> policyFactory,
        AffinityKeySource hashOn,
        string? hashHeader,
        bool failOpen,
        DiscoveryTelemetry telemetry,
        TimeProvider time,
        DiscoverySource? source = null,
        PassiveHealthSettings? passive = null)
    {
        BackendId = backendId;
        _listed = destinations;
        _policyFactory = policyFactory;
        _hashOn = hashOn;
        _hashHeader = hashHeader;
        FailOpen = failOpen;
        _telemetry = telemetry;
        _time = time;
        Source = source;
        _passive = passive;
        _set = source is null ? new DestinationSet(destinations, policyFactory(destinations), 0) : Build(source.Current);
    }

    public string BackendId { get; }

    /// <summary>The discovery source that adds destinations; null when they are all listed.</summary>
    public DiscoverySource? Source { get; }

    /// <summary>The destinations and policy new attempts use (the source's latest adopted first).</summary>
    public DestinationSet Current
    {
        get
        {
            var set = Volatile.Read(ref _set);
            return Source is { } source && source.Current.Version != set.SourceVersion ? Adopt(source) : set;
        }
    }

    public Destination[] Destinations => Current.Destinations;

    public BalancingPolicy Policy => Current.Policy;

    public bool FailOpen { get; }

    /// <summary>The backend's active health checks; null when it has none.</summary>
    public ActiveHealthSettings? ActiveHealth { get; init; }

    /// <summary>A proxied request's picks, with its affinity key when the policy uses one.</summary>
    public DestinationPicks Begin(GatewayContext context) =>
        new(this, Policy is ConsistentHashPolicy ? KeyOf(context) : null, context.HttpContext.RequestAborted, knowsCaller: true);

    /// <summary>Picks for a request the gateway makes itself (a composite route's part, a fallback): no affinity key, no client token.</summary>
    public DestinationPicks BeginInternal() => new(this, null, CancellationToken.None, knowsCaller: false);

    /// <summary>The index of the destination for the next attempt of <paramref name="picks"/>, or -1 when none is healthy (and the backend does not fail open).</summary>
    public int Pick(DestinationPicks picks) => Pick(Current, picks);

    /// <summary>The index in <paramref name="set"/> of the destination for the next attempt of <paramref name="picks"/>, or -1 when none is healthy (and the backend does not fail open).</summary>
    public int Pick(DestinationSet set, DestinationPicks picks)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var destinations = set.Destinations;
        if (destinations.Length == 0)
        {
            _telemetry.NoneHealthy(BackendId, FailOpen); // a source found none (yet): nothing to fail open to either
            return -1;
        }

        var tried = picks.TriedIn(set);
        var index = set.Policy.Pick(destinations, new PickFilter(now, tried, ignoreHealth: false), picks.Key);
        if (index < 0 && tried != 0)
        {
            index = set.Policy.Pick(destinations, new PickFilter(now, 0, ignoreHealth: false), picks.Key); // every healthy one was tried: go again
        }

        if (index < 0)
        {
            _telemetry.NoneHealthy(BackendId, FailOpen);
            if (FailOpen)
            {
                index = set.Policy.Pick(destinations, new PickFilter(now, tried, ignoreHealth: true), picks.Key);
                index = index >= 0 ? index : set.Policy.Pick(destinations, new PickFilter(now, 0, ignoreHealth: true), picks.Key);
            }
        }

        if (index >= 0)
        {
            _telemetry.Picked(BackendId, destinations[index]);
        }

        return index;
    }

    /// <summary>The index of the destination whose address <paramref name="uri"/> starts with (a whole address: not <c>:80</c> of <c>:8080</c>), or -1.</summary>
    public int IndexOfAddress(string uri) => IndexOfAddress(Current, uri);

    /// <summary>The index in <paramref name="set"/> of the destination whose address <paramref name="uri"/> starts with, or -1.</summary>
    public static int IndexOfAddress(DestinationSet set, string uri)
    {
        var destinations = set.Destinations;
        for (var i = 0; i < destinations.Length; i++)
        {
            var prefix = destinations[i].Prefix;
            if (uri.StartsWith(prefix, StringComparison.Ordinal) && (uri.Length == prefix.Length || uri[prefix.Length] is '/' or '?'))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// How long until the first destination may return (at least a second): the end of its passive ejection, or for one
    /// active checks found unhealthy, the time its next probes take to pass the healthy threshold. The <c>Retry-After</c> of a 503.
    /// </summary>
    public TimeSpan RetryAfter()
    {
        var now = _time.GetUtcNow();
        var first = Destinations.Select(d => Later(d.Health?.EjectedUntil, ActiveReturn(d, now))).Where(u => u is not null).Min();
        return first is { } until && until - now > TimeSpan.FromSeconds(1) ? until - now : TimeSpan.FromSeconds(1);
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private DateTimeOffset? ActiveReturn(Destination destination, DateTimeOffset now) =>
        destination.Active is { Allows: false } active && ActiveHealth is { } settings
            ? Later(now, active.NextProbeTicks == 0 ? null : new DateTimeOffset(active.NextProbeTicks, TimeSpan.Zero)) + (settings.Interval * (settings.HealthyThreshold - 1))
            : null;

    /// <summary>Records an attempt's outcome on <paramref name="destination"/>, ejecting it when it became an outlier and the maximum ejected share allows.</summary>
    public void Record(Destination destination, bool failed)
    {
        if (destination.Health is not { } health)
        {
            return;
        }

        var outlier = health.Record(failed, out var returned);
        if (returned)
        {
            _telemetry.Returned(BackendId, destination);
        }

        if (!outlier)
        {
            return;
        }

        lock (_ejectionLock)
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (health.IsEjected(now))
            {
                return;
            }

            var destinations = Destinations;
            var ejected = destinations.Count(d => d.Health?.IsEjected(now) == true);
            var percent = health.Settings.MaxEjectedPercent;
            var allowed = percent == 0 ? 0 : Math.Max(1, destinations.Length * percent / 100);
            if (ejected >= allowed)
            {
                _telemetry.EjectionRefused(BackendId, destination, ejected);
                return;
            }

            _telemetry.Ejected(BackendId, destination, health.Eject());
        }
    }

    private ulong? KeyOf(GatewayContext context)
    {
        var key = _hashOn switch
        {
            AffinityKeySource.Header => context.HttpContext.Request.Headers[_hashHeader!].ToString(),
            AffinityKeySource.Consumer => context.Identity.ConsumerId,
            _ => context.Client.Address?.ToString(),
        };
        return string.IsNullOrEmpty(key) ? null : AffinityHash.Of(key);
    }

    /// <summary>Builds and swaps in the set for the source's latest destinations (one builder at a time; the others read the result).</summary>
    private DestinationSet Adopt(DiscoverySource source)
    {
        lock (_rebuildLock)
        {
            var set = Volatile.Read(ref _set);
            var found = source.Current;
            if (found.Version == set.SourceVersion)
            {
                return set;
            }

            set = Build(found);
            Volatile.Write(ref _set, set);
            return set;
        }
    }

    /// <summary>The listed destinations, then those <paramref name="found"/> holds (a URL listed already is not added twice), each with the state the source keeps for it.</summary>
    private DestinationSet Build(DiscoveredSet found)
    {
        var listed = new HashSet<string>(_listed.Select(d => d.Prefix), StringComparer.Ordinal);
        var destinations = new List<Destination>(_listed.Length + found.Destinations.Count);
        destinations.AddRange(_listed);
        foreach (var discovered in found.Destinations)
        {
            if (!listed.Add(discovered.Definition.Url.TrimEnd('/')))
            {
                continue;
            }

            destinations.Add(Source!.StateOf(discovered, _passive));
        }

        Destination[] array = [.. destinations];
        return new DestinationSet(array, _policyFactory(array), found.Version);
    }
}
