using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.Caching;

/// <summary>
/// Purges: applies one to this instance's store at once, records it for the others in <see cref="IPurgeStore"/>, and
/// applies the ones other instances recorded (<see cref="SyncAsync"/>, run by <see cref="PurgeSync"/> on start and
/// every <see cref="PurgeOptions.PollInterval"/>).
/// </summary>
internal sealed partial class CachePurges
{
    private readonly ResponseCache _cache;
    private readonly PurgeLedger _ledger;
    private readonly IPurgeStore? _store;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly PurgeOptions _options;
    private readonly ILogger _logger;

    public CachePurges(ResponseCache cache, PurgeLedger ledger, IPurgeStore? store, CacheMetrics metrics, TimeProvider time, IOptions<PorticoOptions> options, ILogger<CachePurges> logger)
    {
        _cache = cache;
        _ledger = ledger;
        _store = store;
        _metrics = metrics;
        _time = time;
        _options = options.Value.Caching.Purge;
        _logger = logger;
        if (store is null)
        {
            ledger.MarkLoaded(); // nothing shared to wait for
        }
    }

    /// <summary>Whether purges are shared with other instances.</summary>
    public bool IsShared => _store is not null;

    /// <summary>Where purges are shared, for answers and logs.</summary>
    public string? StoreDescription => _store?.Description;

    /// <summary>
    /// Purges here and records the purge for the other instances. Returns the record, how many entries it removed here,
    /// and whether it was recorded (false without a purge store, or when storage failed).
    /// </summary>
    public async Task<(PurgeRecord Record, int Removed, bool Shared)> PurgeAsync(PurgeKind kind, string value, string? host, string? by, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var record = new PurgeRecord { Id = PurgeRecord.NewId(now), Kind = kind, Value = value, Host = host, CreatedAt = now, By = by };
        _ledger.Add([record], now - _options.Retention);
        var removed = Apply(record, "api");
        if (_store is null)
        {
            return (record, removed, false);
        }

        try
        {
            await _store.AddAsync(record, cancellationToken);
            return (record, removed, true);
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            LogRecordFailed(_logger, _store.Description, ex.GetType().Name, ex.Message);
            return (record, removed, false);
        }
    }

    /// <summary>
    /// Reads the purges recorded since the last read (on the first, those within the retention) and applies them; true
    /// when the store answered. Every hour or so it also deletes records past the retention.
    /// </summary>
    public async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return true;
        }

        var now = _time.GetUtcNow();
        var oldest = now - _options.Retention;
        var after = _ledger.LastId.Length > 0 ? _ledger.LastId : PurgeRecord.NewId(oldest)[..19];
        IReadOnlyList<PurgeRecord> records;
        try
        {
            records = await _store.ListAfterAsync(after, cancellationToken);
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            LogSyncFailed(_logger, _store.Description, ex.GetType().Name, ex.Message);
            return false;
        }

        foreach (var record in _ledger.Add(records, oldest))
        {
            var removed = Apply(record, "shared");
            LogApplied(_logger, record.Kind, record.Value, record.Id, removed);
        }

        _ledger.MarkLoaded();
        return true;
    }

    /// <summary>Deletes purge records past the retention; failures are only logged (the next instance tries again).</summary>
    public async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        try
        {
            await _store.DeleteBeforeAsync(_time.GetUtcNow() - _options.Retention, cancellationToken);
        }
        catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
        {
            LogSyncFailed(_logger, _store.Description, ex.GetType().Name, ex.Message);
        }
    }

    private int Apply(PurgeRecord record, string source)
    {
        var until = record.CreatedAt + _options.ClockSkew;
        var removed = _cache.RemoveWhere(e => e.ResponseTime <= until && record.Selects(e));
        _metrics.Purged(record.Kind switch { PurgeKind.Url => "url", PurgeKind.Prefix => "prefix", _ => "key" }, source);
        _metrics.Invalidated(removed, "purge");
        return removed;
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "Applied purge {Kind} '{Value}' ({PurgeId}) from another instance: {Removed} entries removed")]
    private static partial void LogApplied(ILogger logger, PurgeKind kind, string value, string purgeId, int removed);

    [LoggerMessage(EventId = 721, Level = LogLevel.Warning, Message = "A purge could not be recorded in {Store} ({ExceptionType}: {Reason}); it applied on this instance only")]
    private static partial void LogRecordFailed(ILogger logger, string store, string exceptionType, string reason);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Reading purges from {Store} failed ({ExceptionType}: {Reason}); the shared cache is not read until purges are known, and reading is retried")]
    private static partial void LogSyncFailed(ILogger logger, string store, string exceptionType, string reason);
}
