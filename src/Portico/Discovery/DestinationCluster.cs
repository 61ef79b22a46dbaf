using Portico.Pipeline;

namespace Portico.Discovery;

/// <summary>
/// A backend's destinations with their load-balancing policy and passive health, built once per snapshot. Chooses a
/// destination for each attempt: one the policy picks among the healthy ones this request has not tried, then among
/// the healthy ones it has, then (failing open) among all; otherwise none, and the attempt is answered 503.
/// </summary>
internal sealed class DestinationCluster(
    string backendId,
    Destination[] destinations,
    BalancingPolicy policy,
    AffinityKeySource hashOn,
    string? hashHeader,
    bool failOpen,
    DiscoveryTelemetry telemetry,
    TimeProvider time)
{
    /// <summary>
    /// What a cluster backend's request URI starts with until a destination is chosen (RFC 6761 §6.4: <c>.invalid</c>
    /// never resolves, so a request that somehow skipped the choice cannot leave the gateway).
    /// </summary>
    public const string Placeholder = "http://destinations.portico.invalid";

    private readonly Lock _ejectionLock = new();

    public string BackendId { get; } = backendId;

    public Destination[] Destinations { get; } = destinations;

    public BalancingPolicy Policy { get; } = policy;

    public bool FailOpen { get; } = failOpen;

    /// <summary>The backend's active health checks; null when it has none.</summary>
    public ActiveHealthSettings? ActiveHealth { get; init; }

    /// <summary>A proxied request's picks, with its affinity key when the policy uses one.</summary>
    public DestinationPicks Begin(GatewayContext context) =>
        new(this, Policy is ConsistentHashPolicy ? KeyOf(context) : null, context.HttpContext.RequestAborted, knowsCaller: true);

    /// <summary>Picks for a request the gateway makes itself (a composite route's part, a fallback): no affinity key, no client token.</summary>
    public DestinationPicks BeginInternal() => new(this, null, CancellationToken.None, knowsCaller: false);

    /// <summary>The index of the destination for the next attempt of <paramref name="picks"/>, or -1 when none is healthy (and the backend does not fail open).</summary>
    public int Pick(DestinationPicks picks)
    {
        var now = time.GetUtcNow().UtcTicks;
        var index = Policy.Pick(Destinations, new PickFilter(now, picks.Tried, ignoreHealth: false), picks.Key);
        if (index < 0 && picks.Tried != 0)
        {
            index = Policy.Pick(Destinations, new PickFilter(now, 0, ignoreHealth: false), picks.Key); // every healthy one was tried: go again
        }

        if (index < 0)
        {
            telemetry.NoneHealthy(BackendId, FailOpen);
            if (FailOpen)
            {
                index = Policy.Pick(Destinations, new PickFilter(now, picks.Tried, ignoreHealth: true), picks.Key);
                index = index >= 0 ? index : Policy.Pick(Destinations, new PickFilter(now, 0, ignoreHealth: true), picks.Key);
            }
        }

        if (index >= 0)
        {
            telemetry.Picked(BackendId, Destinations[index]);
        }

        return index;
    }

    /// <summary>The index of the destination whose address <paramref name="uri"/> starts with (a whole address: not <c>:80</c> of <c>:8080</c>), or -1.</summary>
    public int IndexOfAddress(string uri)
    {
        for (var i = 0; i < Destinations.Length; i++)
        {
            var prefix = Destinations[i].Prefix;
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
        var now = time.GetUtcNow();
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
            telemetry.Returned(BackendId, destination);
        }

        if (!outlier)
        {
            return;
        }

        lock (_ejectionLock)
        {
            var now = time.GetUtcNow().UtcTicks;
            if (health.IsEjected(now))
            {
                return;
            }

            var ejected = Destinations.Count(d => d.Health?.IsEjected(now) == true);
            var percent = health.Settings.MaxEjectedPercent;
            var allowed = percent == 0 ? 0 : Math.Max(1, Destinations.Length * percent / 100);
            if (ejected >= allowed)
            {
                telemetry.EjectionRefused(BackendId, destination, ejected);
                return;
            }

            telemetry.Ejected(BackendId, destination, health.Eject());
        }
    }

    private ulong? KeyOf(GatewayContext context)
    {
        var key = hashOn switch
        {
            AffinityKeySource.Header => context.HttpContext.Request.Headers[hashHeader!].ToString(),
            AffinityKeySource.Consumer => context.Identity.ConsumerId,
            _ => context.Client.Address?.ToString(),
        };
        return string.IsNullOrEmpty(key) ? null : AffinityHash.Of(key);
    }
}
