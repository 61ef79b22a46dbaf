using System.Collections.Concurrent;
using Portico.Registry;

namespace Portico.Discovery;

/// <summary>
/// Every destination's active health on this instance, by backend id and destination URL: a destination keeps its
/// state across reloads and across a discovery source replacing the destination list (the <see cref="Destination"/>
/// objects change, the URL does not). Each walk of the live snapshot attaches the states to its destinations; a state
/// no snapshot listed for <see cref="Retention"/> is forgotten, so destinations that come and go leave nothing behind.
/// </summary>
internal sealed class ActiveHealthStates
{
    /// <summary>How long a state outlives the last snapshot that listed its destination.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string BackendId, string Url), ActiveHealthState> _states = new();

    /// <summary>The state of <paramref name="url"/> in backend <paramref name="backendId"/>, created unknown.</summary>
    public ActiveHealthState For(string backendId, string url) => _states.GetOrAdd((backendId, url), key => new ActiveHealthState(key.BackendId, key.Url));

    /// <summary>The state of <paramref name="url"/> in backend <paramref name="backendId"/>, or null when none is kept.</summary>
    public ActiveHealthState? Find(string backendId, string url) => _states.GetValueOrDefault((backendId, url));

    /// <summary>
    /// Attaches a state to every destination of <paramref name="snapshot"/> whose backend has active checks (and
    /// detaches it where they were turned off), forgets states listed by no snapshot for <see cref="Retention"/>, and
    /// returns the destinations to check with their backend's settings.
    /// </summary>
    public List<(ActiveHealthSettings Settings, ActiveHealthState State)> Attach(GatewaySnapshot snapshot, long nowTicks)
    {
        var checkedDestinations = new List<(ActiveHealthSettings, ActiveHealthState)>();
        foreach (var backend in snapshot.Backends.Values)
        {
            if (backend.Cluster is not { } cluster)
            {
                continue;
            }

            foreach (var destination in cluster.Destinations)
            {
                if (cluster.ActiveHealth is not { } settings)
                {
                    destination.Active = null;
                    continue;
                }

                // The state attached when the snapshot was compiled is the one kept, unless a walk forgot it in between.
                var key = (cluster.BackendId, destination.Url);
                var state = destination.Active is { } attached && attached.BackendId == key.BackendId && attached.Url == key.Url
                    ? _states.GetOrAdd(key, attached)
                    : For(key.BackendId, key.Url);
                destination.Active = state;
                state.LastSeenTicks = nowTicks;
                checkedDestinations.Add((settings, state));
            }
        }

        foreach (var (key, state) in _states)
        {
            if (nowTicks - state.LastSeenTicks > Retention.Ticks)
            {
                _states.TryRemove(new KeyValuePair<(string, string), ActiveHealthState>(key, state));
            }
        }

        return checkedDestinations;
    }
}
