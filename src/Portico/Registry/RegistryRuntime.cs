using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Observability;
using Portico.Storage;

namespace Portico.Registry;

/// <summary>
/// Holds the live snapshot and replaces it when the store changes. A rejected or unreadable registry never
/// replaces a good snapshot: the last good one keeps serving and the errors are logged and counted.
/// </summary>
internal sealed partial class RegistryRuntime(
    IRegistryStore store,
    RegistryCompiler compiler,
    PorticoMetrics metrics,
    TimeProvider timeProvider,
    IOptions<PorticoOptions> options,
    ILogger<RegistryRuntime> logger)
{
    private readonly bool _allowEmpty = options.Value.Registry.AllowEmpty;

    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private GatewaySnapshot _current = GatewaySnapshot.NotLoaded;
    private readonly Lock _initialLoadLock = new();
    private Task? _initialLoad;

    /// <summary>
    /// Raised after a new snapshot went live, on the thread that applied it (keep handlers quick; they must not throw):
    /// how features with background work follow the registry without polling it (discovery sources start and stop).
    /// </summary>
    public event Action<GatewaySnapshot>? SnapshotApplied;

    /// <summary>The snapshot new requests use.</summary>
    public GatewaySnapshot Current => Volatile.Read(ref _current);

    /// <summary>The store this runtime reads.</summary>
    public IRegistryStore Store => store;

    /// <summary>The store revision last read (applied or rejected), so a bad revision is not re-read every poll.</summary>
    public string? LastSeenRevision { get; private set; }

    /// <summary>The errors of the last rejected load; empty after a good one.</summary>
    public IReadOnlyList<ConfigurationError> LastErrors { get; private set; } = [];

    /// <summary>The last revision refused, kept after later good loads (the admin registry view shows it); null if none was.</summary>
    public RejectedRevision? LastRejected { get; private set; }

    /// <summary>
    /// Loads at start-up, retrying a storage outage briefly; throws <see cref="RegistryLoadException"/> when there is no valid registry.
    /// Every call joins one load, whatever its outcome: a host may begin it on another thread while it builds the rest
    /// of the gateway, and await it before it serves (issue 25). <paramref name="cancellationToken"/> stops this
    /// caller's wait; the load itself follows the first caller's token.
    /// </summary>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Task load;
        lock (_initialLoadLock)
        {
            load = _initialLoad ??= LoadInitialAsync(cancellationToken);
        }

        return load.WaitAsync(cancellationToken);
    }

    private async Task LoadInitialAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var outcome = await ReloadAsync(cancellationToken);
            switch (outcome.Kind)
            {
                case ReloadKind.Applied or ReloadKind.Unchanged:
                    return;
                case ReloadKind.Rejected:
                    throw new RegistryLoadException(store.Description, outcome.Errors);
                case ReloadKind.Failed when attempt >= 3:
                    throw new RegistryLoadException(store.Description, outcome.Exception!);
                default:
                    await Task.Delay(TimeSpan.FromSeconds(attempt), timeProvider, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>Reads, validates and, when the content changed, swaps in a new snapshot.</summary>
    public async Task<ReloadOutcome> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken);
        try
        {
            RegistryLoadResult loaded;
            try
            {
                loaded = await store.LoadAsync(cancellationToken);
            }
            catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
            {
                LogStoreUnavailable(logger, store.Description, ex.Message);
                Count("failed");
                return new ReloadOutcome(ReloadKind.Failed, [], ex);
            }

            LastSeenRevision = loaded.Revision;
            var errors = loaded.Errors;
            CompileResult? compiled = null;
            if (loaded.Document is not null)
            {
                compiled = compiler.Compile(loaded.Document, loaded.Revision, loaded.BaseDirectory);
                // Messages may quote a value; one that came from the environment (a secret) is shown as its ${NAME}.
                errors = [.. compiled.Errors.Select(e => e with { Location = e.Location ?? loaded.Locate(e.JsonPath), Message = loaded.Redact(e.Message) })];
            }

            if (compiled?.Snapshot is { } candidate && errors.Count == 0 && EmptiesLiveRoutes(candidate))
            {
                errors = [new ConfigurationError("$", "", "routes",
                    $"the new registry has no routes, and the live one has {Current.Routes.Routes.Length}: every request would answer 404. "
                    + "If that is intended, set Portico:Registry:AllowEmpty=true (portico serve --allow-empty)") { Location = loaded.Locate("$") ?? store.Description }];
            }

            if (errors.Count > 0 || compiled?.Snapshot is null)
            {
                LastErrors = errors;
                LastRejected = new RejectedRevision(loaded.Revision, timeProvider.GetUtcNow(), errors);
                LogRejected(logger, store.Description, errors.Count, Current.IsLoaded ? Current.Revision : "(none)", string.Join(Environment.NewLine, errors));
                Count("rejected");
                return new ReloadOutcome(ReloadKind.Rejected, errors, null);
            }

            LastErrors = [];
            var snapshot = compiled.Snapshot;
            if (Current.IsLoaded && snapshot.ContentHash == Current.ContentHash)
            {
                return new ReloadOutcome(ReloadKind.Unchanged, [], null);
            }

            var first = !Current.IsLoaded;
            Volatile.Write(ref _current, snapshot);
            SnapshotApplied?.Invoke(snapshot);
            LogApplied(logger, store.Description, snapshot.Revision, snapshot.Routes.Routes.Length, snapshot.Document.Backends.Count);
            if (first && snapshot.Routes.Routes.Length == 0)
            {
                // A mistyped file or table name, or a table nothing was imported into, looks exactly like this.
                if (_allowEmpty)
                {
                    LogStartedEmptyAllowed(logger, store.Description);
                }
                else
                {
                    LogStartedEmpty(logger, store.Description);
                }
            }

            Count("applied");
            return new ReloadOutcome(ReloadKind.Applied, [], null);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>Whether <paramref name="candidate"/> would take every route away from a live registry that has some.</summary>
    private bool EmptiesLiveRoutes(GatewaySnapshot candidate) =>
        !_allowEmpty && candidate.Routes.Routes.Length == 0 && Current.IsLoaded && Current.Routes.Routes.Length > 0;

    private void Count(string outcome) => metrics.RegistryReloads.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registry from {Store} applied: revision {Revision}, {Routes} routes, {Backends} backends")]
    private static partial void LogApplied(ILogger logger, string store, string revision, int routes, int backends);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Registry from {Store} rejected with {Count} error(s); revision {LiveRevision} stays live:\n{Errors}")]
    private static partial void LogRejected(ILogger logger, string store, int count, string liveRevision, string errors);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "The registry from {Store} has NO ROUTES: every request answers 404 until routes are added. Check that the file or table name is the intended one (an empty or missing table has no routes), import a registry with 'portico config import', or set Portico:Registry:AllowEmpty=true to start empty on purpose")]
    private static partial void LogStartedEmpty(ILogger logger, string store);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "The registry from {Store} has no routes yet (Portico:Registry:AllowEmpty is set)")]
    private static partial void LogStartedEmptyAllowed(ILogger logger, string store);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Registry store {Store} unavailable; the live snapshot keeps serving: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string store, string reason);
}
