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

    /// <summary>How many gone destinations' addresses are remembered; a request outlives far fewer changes than this.</summary>
    private const int RetiredLimit = 256;

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

    /// <summary>Addresses of destinations that left (see <see cref="Retire"/>): a request still carrying one is re-picked with its path intact.</summary>
    private string[] _retired = [];

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

    /// <summary>
    /// How long the destination address is that <paramref name="uri"/> starts with: a destination of <paramref name="set"/> (its index in <paramref name="index"/>), <paramref name="carried"/> (the
    /// destination the request was last sent to), or one that left the cluster since; -1 when it is none of those.
    /// A request whose destination left is thus re-picked from the current set with its path intact, never failed.
    /// </summary>
    public int AddressLength(DestinationSet set, string uri, Destination? carried, out int index)
    {
        index = IndexOfAddress(set, uri);
        if (index >= 0)
        {
            return set.Destinations[index].Prefix.Length;
        }

        if (carried is not null && IsAddress(uri, carried.Prefix))
        {
            return carried.Prefix.Length;
        }

        foreach (var prefix in Volatile.Read(ref _retired))
        {
            if (IsAddress(uri, prefix))
            {
                return prefix.Length;
            }
        }

        return -1;
    }

    /// <summary>
    /// Notes an attempt whose URI carries the address of a destination no longer in the cluster (<paramref name="addressLength"/>
    /// long; -1 when not even a recently gone one) and returns the length of the address to replace: for an unknown one,
    /// its scheme and authority.
    /// </summary>
    public int DestinationGone(string uri, int addressLength)
    {
        var known = addressLength >= 0;
        addressLength = known ? addressLength : AuthorityLength(uri);
        _telemetry.DestinationGone(BackendId, uri[..addressLength], known);
        return addressLength;
    }

    /// <summary>The length of <paramref name="uri"/>'s scheme and authority (what precedes its path): the address of a destination the cluster no longer knows, taken as having no path of its own.</summary>
    public static int AuthorityLength(string uri)
    {
        var start = uri.IndexOf("://", StringComparison.Ordinal);
        var end = start < 0 ? -1 : uri.AsSpan(start + 3).IndexOfAny('/', '?');
        return end < 0 ? uri.Length : start + 3 + end;
    }

    /// <summary>The index in <paramref name="set"/> of the destination whose address <paramref name="uri"/> starts with (a whole address: not <c>:80</c> of <c>:8080</c>), or -1.</summary>
    public static int IndexOfAddress(DestinationSet set, string uri)
    {
        var destinations = set.Destinations;
        for (var i = 0; i < destinations.Length; i++)
        {
            var prefix = destinations[i].Prefix;
            if (IsAddress(uri, prefix))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsAddress(string uri, string prefix) =>
        uri.StartsWith(prefix, StringComparison.Ordinal) && (uri.Length == prefix.Length || uri[prefix.Length] is '/' or '?');

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

            var next = Build(found);
            Volatile.Write(ref _retired, Retire(set, next, Volatile.Read(ref _retired)));
            Volatile.Write(ref _set, next);
            return next;
        }
    }

    /// <summary>
    /// The addresses of destinations gone from the cluster, newest first, at most <see cref="RetiredLimit"/>: those
    /// <paramref name="previous"/> held and <paramref name="next"/> does not, then the earlier ones still gone.
    /// </summary>
    private static string[] Retire(DestinationSet previous, DestinationSet next, string[] retired)
    {
        var current = new HashSet<string>(next.Destinations.Select(d => d.Prefix), StringComparer.Ordinal);
        var gone = previous.Destinations.Select(d => d.Prefix).Concat(retired).Where(current.Add); // Add: each once, none that is back
        return [.. gone.Take(RetiredLimit)];
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
