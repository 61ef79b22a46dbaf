using System.Collections.Concurrent;
using Portico.Proxy;

namespace Portico.Discovery.Sources;

/// <summary>
/// A backend's discovery source at run time: refreshes in the background and publishes what it found as one immutable
/// <see cref="DiscoveredSet"/>, which the backend's <see cref="DestinationCluster"/> adopts on its next pick. A failed
/// refresh keeps the last set (logged and counted) and is retried with a growing delay, never longer than the source's
/// normal interval; an entry that is not a valid destination is left out (logged), and at most
/// <see cref="DiscoverySettings.MaxDestinations"/> are taken.
/// </summary>
internal abstract class DiscoverySource(DiscoverySettings settings, DiscoverySourceTelemetry telemetry, TimeProvider time)
{
    /// <summary>Longest a single refresh (a table query, a DNS lookup, an etcd read) may take.</summary>
    public static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The first retry delay after a failure; it doubles up to the source's interval.</summary>
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _poke = new(0, 1);
    private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, Destination> _states = new(StringComparer.Ordinal);
    private DiscoveredSet _current = DiscoveredSet.None;
    private int _failuresInRow;

    public DiscoverySettings Settings { get; } = settings;

    /// <summary>What each destination's <c>source</c> reads in the admin view: the source's type.</summary>
    public string Name => Settings.Type;

    public DiscoveredSet Current => Volatile.Read(ref _current);

    /// <summary>Completes when the first refresh ended, whether it found destinations or failed.</summary>
    public Task FirstAnswer => _firstAnswer.Task;

    /// <summary>When the last successful refresh ended; null before the first.</summary>
    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Why the last refresh failed, while the failure lasts; null after a success.</summary>
    public string? LastError { get; private set; }

    protected TimeProvider Time { get; } = time;

    protected DiscoverySourceTelemetry Telemetry { get; } = telemetry;

    /// <summary>The longest a healthy source waits between refreshes: a failing one never retries less often.</summary>
    protected virtual TimeSpan NormalInterval => Settings.RefreshInterval;

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled: refresh, wait (or be poked), again.</summary>
    public virtual async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = await RefreshAsync(stoppingToken) is { } delay ? delay : RetryDelay();
            await WaitAsync(next, stoppingToken);
        }
    }

    /// <summary>Asks for a refresh now (a registration on this instance): the running loop stops waiting.</summary>
    public void Poke()
    {
        try
        {
            _poke.Release();
        }
        catch (SemaphoreFullException)
        {
            // A refresh is already asked for.
        }
    }

    /// <summary>One refresh: the delay until the next one when it succeeded, null when it failed (the last set stays).</summary>
    public async Task<TimeSpan?> RefreshAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(RefreshTimeout);
        try
        {
            var (found, next) = await FetchAsync(timeout.Token);
            Publish(found);
            return next;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            Fail(timeout.IsCancellationRequested ? $"no answer within {RefreshTimeout.TotalSeconds:0} s" : ex.Message);
            return null;
        }
    }

    /// <summary>Reads the source once: what it holds now, and how long until it should be read again.</summary>
    protected abstract Task<(IReadOnlyList<DiscoveredDestination> Found, TimeSpan Next)> FetchAsync(CancellationToken cancellationToken);

    /// <summary>Publishes <paramref name="found"/> as the source's destinations: invalid and duplicate entries left out, at most the maximum taken.</summary>
    protected void Publish(IReadOnlyList<DiscoveredDestination> found)
    {
        var kept = new List<DiscoveredDestination>(Math.Min(found.Count, Settings.MaxDestinations));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var destination in found)
        {
            var url = destination.Definition.Url;
            var problem = BackendUrl.Problem(url)
                ?? (destination.Definition.Weight is < 1 or > DiscoveryCompiler.MaxWeight ? $"the weight is not between 1 and {DiscoveryCompiler.MaxWeight}" : null);
            if (problem is not null)
            {
                Telemetry.EntryRefused(Settings, url, problem);
                continue;
            }

            if (!seen.Add(url.TrimEnd('/')))
            {
                continue;
            }

            if (kept.Count == Settings.MaxDestinations)
            {
                Telemetry.Truncated(Settings, found.Count);
                break;
            }

            kept.Add(destination);
        }

        var previous = Current;
        var changed = previous.Version == 0 || !Same(previous.Destinations, kept);
        if (changed)
        {
            // Only a change makes clusters rebuild (a new round robin schedule, a new hash ring): an unchanged answer
            // just renews when each destination was last seen.
            Volatile.Write(ref _current, new DiscoveredSet(kept, previous.Version + 1));
        }

        var urls = kept.Select(d => d.Definition.Url).ToHashSet(StringComparer.Ordinal);
        foreach (var (url, destination) in _states)
        {
            if (!urls.Contains(url))
            {
                _states.TryRemove(url, out _);
            }
        }

        foreach (var destination in kept)
        {
            if (_states.TryGetValue(destination.Definition.Url, out var state))
            {
                state.LastSeen = destination.LastSeen;
            }
        }

        LastRefresh = Time.GetUtcNow();
        LastError = null;
        _failuresInRow = 0;
        _firstAnswer.TrySetResult();
        Telemetry.Refreshed(Settings, kept.Count, changed);
    }

    /// <summary>
    /// The run-time state of a destination this source found: the same object for every cluster built from the source
    /// (each registry snapshot's), kept by URL while the source keeps reporting it and it is configured the same, so a
    /// reload or a change of other destinations never resets its health or its count of requests in flight.
    /// </summary>
    public Destination StateOf(DiscoveredDestination discovered, PassiveHealthSettings? passive)
    {
        var url = discovered.Definition.Url;
        while (true)
        {
            if (_states.TryGetValue(url, out var existing) && existing.Matches(discovered.Definition, passive))
            {
                return existing;
            }

            var created = new Destination(discovered.Definition, Name, passive is null ? null : new DestinationHealth(passive, Time)) { LastSeen = discovered.LastSeen };
            if (existing is null ? _states.TryAdd(url, created) : _states.TryUpdate(url, created, existing))
            {
                return created;
            }
        }
    }

    /// <summary>Records a failed refresh: the last set stays.</summary>
    protected void Fail(string reason)
    {
        _failuresInRow++;
        LastError = reason;
        _firstAnswer.TrySetResult();
        Telemetry.RefreshFailed(Settings, reason, Current.Destinations.Count);
    }

    /// <summary>The wait after a failure: 1 s, doubling with each failure in a row, at most the source's interval.</summary>
    protected TimeSpan RetryDelay()
    {
        var delay = FirstRetry * Math.Pow(2, Math.Min(_failuresInRow - 1, 16));
        return delay < NormalInterval ? delay : NormalInterval;
    }

    /// <summary>Waits <paramref name="delay"/>, or less when poked.</summary>
    protected async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        using var cancelLoser = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var wait = Task.Delay(delay, Time, cancelLoser.Token);
        var poked = _poke.WaitAsync(cancelLoser.Token);
        await Task.WhenAny(wait, poked).ConfigureAwait(false);
        await cancelLoser.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(wait, poked).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loser was cancelled (or the source is stopping, which the loop sees).
        }
    }

    /// <summary>Whether two answers name the same destinations, configured the same, in the same order.</summary>
    private static bool Same(IReadOnlyList<DiscoveredDestination> a, IReadOnlyList<DiscoveredDestination> b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair.First.Definition.Url == pair.Second.Definition.Url
            && (pair.First.Definition.Weight ?? 1) == (pair.Second.Definition.Weight ?? 1)
            && SameMetadata(pair.First.Definition.Metadata, pair.Second.Definition.Metadata));

    private static bool SameMetadata(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(pair => b!.TryGetValue(pair.Key, out var value) && value == pair.Value));
}
