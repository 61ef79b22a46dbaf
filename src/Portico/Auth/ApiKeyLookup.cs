using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Storage.Tables;
using Portico.Storage;

namespace Portico.Auth;

/// <summary>
/// Finds API keys: first among the registry's declared keys (compiled into the snapshot), then, in Table mode, in
/// the key table with a cache. A key read from storage is reused for at most <c>CacheDuration</c> (so a revocation
/// is effective within it), an unknown one for <c>NegativeCacheDuration</c>; concurrent lookups of one id share one
/// read. A storage failure gives <c>Unavailable</c> (503), never a pass.
/// </summary>
internal sealed class ApiKeyLookup
{
    private readonly IApiKeyStore? _table;
    private readonly ApiKeyStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly AuthMetrics _metrics;
    private readonly ILogger<ApiKeyLookup> _logger;
    private readonly BoundedCache<string, ApiKeyRecord?> _cache;
    private readonly ConcurrentDictionary<string, Lazy<Task<ApiKeyRecord?>>> _inflight = new(StringComparer.Ordinal);

    public ApiKeyLookup(IOptions<PorticoOptions> options, TimeProvider time, AuthMetrics metrics, ILogger<ApiKeyLookup> logger)
    {
        var portico = options.Value;
        _options = portico.Auth.ApiKeys;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _cache = new BoundedCache<string, ApiKeyRecord?>(time, _options.MaxCachedKeys);
        if (portico.Registry.File is null && portico.Storage.IsConfigured)
        {
            _table = CreateTableStore(portico.Storage, _options);
        }
    }

    // A method of its own, never inlined: compiling a method loads the assemblies of the types it names, and the Azure
    // SDK must not load (nor cost start-up time) unless storage is configured (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IApiKeyStore CreateTableStore(StorageOptions storage, ApiKeyStoreOptions options) =>
        new TableApiKeyStore(TableStorage.CreateServiceClient(storage.Target!, storage.ClientId, options.LookupTimeout), options.TableName);

    /// <summary>Whether keys are also looked up in Table storage.</summary>
    public bool UsesTable => _table is not null;

    /// <summary>Indexes a registry's declared keys (once per snapshot).</summary>
    public static FrozenDictionary<string, ApiKeyRecord> Index(IReadOnlyList<ApiKeyDefinition> keys)
    {
        var records = new Dictionary<string, ApiKeyRecord>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (ApiKeyRecord.ParseHash(key.Hash) is { } hash)
            {
                records[key.Id] = new ApiKeyRecord(key.Id, key.Consumer, hash, key.Status == "revoked");
            }
        }

        return records.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public ValueTask<(ApiKeyRecord? Record, bool Unavailable)> FindAsync(string id, FrozenDictionary<string, ApiKeyRecord> declared, CancellationToken cancellationToken)
    {
        if (declared.TryGetValue(id, out var record))
        {
            return ValueTask.FromResult<(ApiKeyRecord?, bool)>((record, false));
        }

        if (_table is null)
        {
            return ValueTask.FromResult<(ApiKeyRecord?, bool)>((null, false));
        }

        if (_cache.TryGet(id, out var cached))
        {
            return ValueTask.FromResult((cached, false));
        }

        return ReadAsync(id, cancellationToken);
    }

    private async ValueTask<(ApiKeyRecord?, bool)> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var lazy = _inflight.GetOrAdd(id, key => new Lazy<Task<ApiKeyRecord?>>(() => ReadAndCacheAsync(key)));
        try
        {
            return (await lazy.Value.WaitAsync(cancellationToken), false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, true);
        }
    }

    private async Task<ApiKeyRecord?> ReadAndCacheAsync(string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.LookupTimeout, _time);
            var definition = await _table!.FindAsync(id, timeout.Token);
            var record = definition is null || ApiKeyRecord.ParseHash(definition.Hash) is not { } hash
                ? null
                : new ApiKeyRecord(definition.Id, definition.Consumer, hash, definition.Status == "revoked");
            var ttl = record is null ? _options.NegativeCacheDuration : _options.CacheDuration;
            _cache.Set(id, record, _time.GetUtcNow() + ttl);
            _metrics.KeyLookups.Add(1, AuthMetrics.Outcome(record is null ? "not-found" : "found"));
            return record;
        }
        catch (Exception ex) when (StoreFailure.Is(ex, CancellationToken.None))
        {
            _metrics.KeyLookups.Add(1, AuthMetrics.Outcome("failed"));
            AuthLog.KeyLookupFailed(_logger, _table!.Description, ex.GetType().Name);
            throw;
        }
        finally
        {
            _inflight.TryRemove(id, out _);
        }
    }
}
