using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Observability;
using Portico.RateLimiting;

namespace Portico.Storage.Tables;

/// <summary>
/// Shared rate-limit counters in their own table (docs/rate-limiting.md, "Table storage layout"): one
/// <see cref="CounterEntity"/> per policy and key, whose ETag is the counter's version, beside the instances'
/// heartbeats and the cleanup marker. Every call is bounded by <see cref="RateLimitingOptions.StorageTimeout"/> and
/// made without SDK retries; every outcome is a value and is counted in <c>portico.ratelimit.storage.operations</c>.
/// </summary>
internal sealed class TableRateCounterStore : IRateCounterStore
{
    /// <summary>Partition of the instance heartbeats (hash partitions are hex digits, so it cannot collide).</summary>
    public const string InstancesPartition = "_instances";

    /// <summary>Partition of the marker that elects one instance to delete expired counters.</summary>
    public const string JanitorPartition = "_janitor";

    private readonly TableClient _table;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly PorticoMetrics _metrics;

    /// <summary>A store over <paramref name="table"/>.</summary>
    public TableRateCounterStore(TableClient table, TimeSpan timeout, TimeProvider time, PorticoMetrics metrics)
    {
        _table = table;
        _timeout = timeout;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Always: without storage the gateway uses <see cref="UnconfiguredRateCounterStore"/> instead.</summary>
    public bool IsConfigured => true;

    /// <summary>
    /// The store for the configured account (<c>Portico:Storage</c> must be set). A method of its own, never inlined:
    /// compiling it loads the Azure SDK, which must not load unless storage is configured (issue 25).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IRateCounterStore Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PorticoOptions>>().Value;
        var timeout = options.RateLimiting.StorageTimeout;
        var client = TableStorage.CreateServiceClient(options.Storage.Target!, options.Storage.ClientId, timeout, configure: o => o.Retry.MaxRetries = 0);
        return new TableRateCounterStore(client.GetTableClient(options.RateLimiting.TableName), timeout, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<PorticoMetrics>());
    }

    public async Task<StoreResult> ReadAsync(string keyHash, string policyId)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        try
        {
            var response = await _table.GetEntityIfExistsAsync<CounterEntity>(keyHash, policyId, cancellationToken: timeout.Token);
            var result = response.HasValue
                ? new StoreResult(StoreStatus.Ok, response.Value!.ToValues(), VersionOf(response.Value.ETag))
                : new StoreResult(StoreStatus.NotFound);
            return Count("read", result);
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            return Count("read", Failure(ex));
        }
    }

    /// <summary>Inserts the entity (<paramref name="version"/> null) or replaces it if its ETag is still <paramref name="version"/>.</summary>
    public async Task<StoreResult> WriteAsync(string keyHash, string policyId, CounterValues values, string? version)
    {
        var entity = CounterEntity.From(keyHash, policyId, in values);
        var insert = version is null;
        var etag = version is null ? default : new ETag(version);
        var operation = insert ? "insert" : "update";
        using var timeout = new CancellationTokenSource(_timeout, _time);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var response = insert
                        ? await _table.AddEntityAsync(entity, timeout.Token)
                        : await _table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, timeout.Token);
                    return Count(operation, new StoreResult(StoreStatus.Ok, Version: VersionOf(response.Headers.ETag ?? default)));
                }
                catch (RequestFailedException ex) when (insert && ex.Status == 404 && attempt == 0)
                {
                    // The table does not exist yet (a fresh account or Azurite): create it once and insert again.
                    await EnsureTableAsync(timeout.Token);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 || (!insert && ex.Status == 404))
        {
            // 412: another instance updated it since we read it. 409: another instance inserted it first.
            // 404 on update: the cleanup deleted it as expired. Each means: read again.
            return Count(operation, new StoreResult(StoreStatus.Conflict));
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            return Count(operation, Failure(ex));
        }
    }

    /// <summary>Records this instance as alive and counts the instances seen within <paramref name="window"/>.</summary>
    public async Task<int?> HeartbeatAsync(string instanceId, TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(_timeout * 4, _time);
        try
        {
            var now = _time.GetUtcNow();
            var entity = new TableEntity(InstancesPartition, instanceId) { ["LastSeen"] = now, ["ExpiresAt"] = now + window };
            try
            {
                await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, timeout.Token);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                await EnsureTableAsync(timeout.Token);
                await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, timeout.Token);
            }

            Count("upsert", new StoreResult(StoreStatus.Ok));
            var since = now - window;
            var alive = 0;
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {InstancesPartition} and Timestamp ge {since}");
            await foreach (var _ in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: timeout.Token))
            {
                alive++;
            }

            Count("query", new StoreResult(StoreStatus.Ok));
            return Math.Max(1, alive);
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            Count("query", Failure(ex));
            return null;
        }
    }

    /// <summary>Removes this instance's heartbeat (on shutdown), best effort.</summary>
    public async Task LeaveAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        try
        {
            await _table.DeleteEntityAsync(InstancesPartition, instanceId, ETag.All, timeout.Token);
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            // Best effort: the entry ages out of the heartbeat window anyway.
        }
    }

    /// <summary>
    /// Deletes counters that expired before <paramref name="before"/>, if this instance wins the hourly cleanup
    /// (a conditional update of one marker entity elects one instance). Deletes are conditional on the ETag read,
    /// so a counter updated meanwhile is kept. Returns how many were deleted, or null when another instance runs it.
    /// </summary>
    public async Task<int?> CleanUpAsync(DateTimeOffset before, TimeSpan every, CancellationToken cancellationToken)
    {
        if (!await WinCleanupAsync(every, cancellationToken))
        {
            return null;
        }

        var deleted = 0;
        var filter = TableClient.CreateQueryFilter<CounterEntity>(e => e.ExpiresAt < before);
        await foreach (var entity in _table.QueryAsync<CounterEntity>(filter, select: ["PartitionKey", "RowKey", "ExpiresAt"], cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey.StartsWith('_'))
            {
                continue;
            }

            try
            {
                await _table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken);
                Count("delete", new StoreResult(StoreStatus.Ok));
                deleted++;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                Count("delete", new StoreResult(StoreStatus.Conflict));
            }
        }

        return deleted;
    }

    private async Task<bool> WinCleanupAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var marker = await _table.GetEntityIfExistsAsync<TableEntity>(JanitorPartition, "cleanup", cancellationToken: cancellationToken);
        try
        {
            if (!marker.HasValue)
            {
                await _table.AddEntityAsync(new TableEntity(JanitorPartition, "cleanup") { ["LastRun"] = now }, cancellationToken);
                return true;
            }

            var entity = marker.Value!;
            if (entity.GetDateTimeOffset("LastRun") is { } last && now - last < every)
            {
                return false;
            }

            entity["LastRun"] = now;
            await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false; // another instance won this round
        }
    }

    /// <summary>Creates the table; called only after a 404, so a table deleted (or lost by an emulator) comes back.</summary>
    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        Count("create", new StoreResult(StoreStatus.Ok));
    }

    /// <summary>The ETag as the counter's version (its text, no copy); null for none, so the next write inserts.</summary>
    private static string? VersionOf(ETag etag) => etag == default ? null : etag.ToString("G");

    /// <summary>Storage failures, as opposed to bugs: anything the network, the service or the credential can throw.</summary>
    internal static bool IsFailure(Exception ex) => StoreFailure.Is(ex, CancellationToken.None);

    private static StoreResult Failure(Exception ex) => new(
        StoreStatus.Failed,
        Error: ex switch
        {
            RequestFailedException { Status: 0 } request => $"unreachable: {request.InnerException?.GetType().Name ?? "network error"}",
            RequestFailedException request => $"status {request.Status} {request.ErrorCode}",
            OperationCanceledException => "timed out",
            _ => ex.GetType().Name,
        });

    private StoreResult Count(string operation, StoreResult result)
    {
        _metrics.RateLimitStorageOperations.Add(
            1,
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", result.Status switch
            {
                StoreStatus.Ok => "ok",
                StoreStatus.NotFound => "not_found",
                StoreStatus.Conflict => "conflict",
                _ => "failed",
            }));
        return result;
    }
}
