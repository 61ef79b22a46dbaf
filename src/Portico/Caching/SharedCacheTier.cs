using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage;

namespace Portico.Caching;

/// <summary>
/// The shared second level (L2) in front of <see cref="ISharedResponseStore"/>: read on an in-process miss, written
/// after every store, both bounded in time. An entry read back is used only when it matches the request's secondary
/// key, no known purge selects it and it is younger than the purge retention. A failure is logged and counted and
/// L2 is skipped for <see cref="BlobCacheOptions.RetryAfter"/>: requests go on from the backend, never fail because of it.
/// </summary>
internal sealed partial class SharedCacheTier
{
    /// <summary>Most writes in flight; beyond it a write is skipped (counted), so a slow store never piles up work.</summary>
    private const int MaxPendingWrites = 8;

    private readonly ISharedResponseStore? _store;
    private readonly PurgeLedger _ledger;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly CachingOptions _options;
    private readonly ILogger _logger;
    private long _skipUntilTicks;
    private int _pendingWrites;

    public SharedCacheTier(ISharedResponseStore? store, PurgeLedger ledger, CacheMetrics metrics, TimeProvider time, IOptions<PorticoOptions> options, ILogger<SharedCacheTier> logger)
    {
        _store = store;
        _ledger = ledger;
        _metrics = metrics;
        _time = time;
        _options = options.Value.Caching;
        _logger = logger;
    }

    /// <summary>Whether L2 is configured, its purges are known and it is not backing off after a failure.</summary>
    public bool IsEnabled => _store is not null && _ledger.IsLoaded && _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _skipUntilTicks);

    /// <summary>Writes in flight (for tests and shutdown).</summary>
    public int PendingWrites => Volatile.Read(ref _pendingWrites);

    /// <summary>The entry L2 holds for the request, when it may be used.</summary>
    public async Task<CachedResponse?> LoadAsync(CacheExchange exchange, CancellationToken cancellationToken)
    {
        var name = Name(exchange.PrimaryKey, exchange.Policy.RouteId, exchange.Consumer, exchange.KeyHeaderValues);
        byte[]? data;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.Blob.Timeout);
            try
            {
                data = await _store!.GetAsync(name, exchange.Policy.MaxBodySize + 256 * 1024, timeout.Token);
            }
            catch (Exception ex) when (StoreFailure.Is(ex, cancellationToken))
            {
                Fail("read", ex);
                return null;
            }
        }

        if (data is null)
        {
            _metrics.Shared("read", "miss");
            return null;
        }

        var entry = SharedEntryFormat.Read(data);
        var now = _time.GetUtcNow();
        var headers = exchange.Context.HttpContext.Request.Headers;
        if (entry is null || entry.PrimaryKey != exchange.PrimaryKey)
        {
            _metrics.Shared("read", "unreadable");
            return null;
        }

        if (!CacheKey.Matches(entry, exchange.Policy.RouteId, exchange.Consumer, exchange.KeyHeaderValues, headers))
        {
            _metrics.Shared("read", "vary-miss");
            return null;
        }

        if (entry.ResponseTime < now - _options.Purge.Retention || _ledger.IsPurged(entry, _options.Purge.ClockSkew))
        {
            _metrics.Shared("read", "purged");
            Run("delete", ct => _store!.DeleteAsync(name, ct));
            return null;
        }

        _metrics.Shared("read", "hit");
        return entry;
    }

    /// <summary>Writes <paramref name="entry"/> to L2 in the background.</summary>
    public void Save(CachedResponse entry)
    {
        if (!IsEnabled)
        {
            return;
        }

        var name = Name(entry.PrimaryKey, entry.RouteId, entry.Consumer, entry.KeyHeaderValues);
        Run("write", ct => _store!.PutAsync(name, SharedEntryFormat.Write(entry), ct));
    }

    /// <summary>Deletes every L2 entry of <paramref name="primaryKey"/> in the background (invalidation).</summary>
    public void DeleteAll(string primaryKey)
    {
        if (_store is null)
        {
            return;
        }

        Run("delete", ct => _store.DeletePrefixAsync(Hash(primaryKey) + "/", ct));
    }

    /// <summary>The blob name of a variant: <c>{hash of the URL key}/{hash of route, consumer and key headers}</c>.</summary>
    internal static string Name(string primaryKey, string routeId, string? consumer, string?[] keyHeaderValues) =>
        Hash(primaryKey) + "/" + Hash(string.Join('\n', [routeId, consumer ?? "", .. keyHeaderValues.Select(v => v ?? "\0")]));

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..40];

    private void Run(string operation, Func<CancellationToken, Task> work)
    {
        if (Interlocked.Increment(ref _pendingWrites) > MaxPendingWrites)
        {
            Interlocked.Decrement(ref _pendingWrites);
            _metrics.Shared(operation, "skipped");
            return;
        }

        _ = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(_options.Blob.Timeout);
            try
            {
                await work(timeout.Token);
                _metrics.Shared(operation, "ok");
            }
            catch (Exception ex) when (StoreFailure.Is(ex, CancellationToken.None))
            {
                Fail(operation, ex);
            }
            catch (Exception ex)
            {
                LogBug(_logger, operation, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingWrites);
            }
        });
    }

    private void Fail(string operation, Exception ex)
    {
        _metrics.Shared(operation, "failed");
        Interlocked.Exchange(ref _skipUntilTicks, (_time.GetUtcNow() + _options.Blob.RetryAfter).UtcTicks);
        LogFailed(_logger, operation, _store!.Description, _options.Blob.RetryAfter.TotalSeconds, ex.GetType().Name, ex.Message);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning,
        Message = "Shared cache {Operation} on {Store} failed ({ExceptionType}: {Reason}); the shared cache is skipped for {RetryAfterSeconds} s and requests go on from the backend")]
    private static partial void LogFailed(ILogger logger, string operation, string store, double retryAfterSeconds, string exceptionType, string reason);

    [LoggerMessage(EventId = 711, Level = LogLevel.Error, Message = "Shared cache {Operation} failed unexpectedly")]
    private static partial void LogBug(ILogger logger, string operation, Exception exception);
}
