using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Portico.Analytics;

namespace Portico.Storage.Tables;

/// <summary>
/// Analytics rollups and instance heartbeats in one table (docs/analytics.md). A minute is one partition,
/// <c>m</c> + <c>yyyyMMddHHmm</c> (UTC), so a time range is one PartitionKey range and a minute's rows of one instance go
/// in batch transactions of up to 100; RowKey = instance id + <c>~</c> + part + <c>~</c> + the cell's number, so instances never write the
/// same entity and a retried write replaces exactly what it wrote before. Heartbeats live in partition <c>instance</c>,
/// RowKey = instance id.
/// </summary>
internal sealed class TableAnalyticsStore : IAnalyticsStore
{
    internal const string InstancePartition = "instance";
    private const int BatchSize = 100;

    private readonly TableClient _table;
    private int _created;

    /// <summary>Opens the store over <paramref name="service"/>.</summary>
    public TableAnalyticsStore(TableServiceClient service, string tableName)
    {
        _table = service.GetTableClient(tableName);
    }

    /// <inheritdoc />
    public string Mode => "table";

    /// <summary>The partition of <paramref name="minute"/> (minutes since 0001-01-01 UTC).</summary>
    public static string PartitionOf(long minute) =>
        "m" + new DateTime(minute * TimeSpan.TicksPerMinute, DateTimeKind.Utc).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async Task WriteAsync(long minute, string instance, int part, IReadOnlyList<AnalyticsRow> rows, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var partition = PartitionOf(minute);
        var batch = new List<TableTransactionAction>(Math.Min(BatchSize, rows.Count));
        for (var i = 0; i < rows.Count; i++)
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(partition, instance, part, i, rows[i])));
            if (batch.Count == BatchSize || i == rows.Count - 1)
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
                batch.Clear();
            }
        }
    }

    /// <inheritdoc />
    public async Task<AnalyticsRead> ReadAsync(long fromMinute, long toMinute, int maxRows, CancellationToken cancellationToken)
    {
        var rows = new List<AnalyticsRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {PartitionOf(fromMinute)} and PartitionKey lt {PartitionOf(toMinute)}");
        try
        {
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (rows.Count == maxRows)
                {
                    return new AnalyticsRead(rows, Truncated: true);
                }

                if (FromEntity(entity) is { } row)
                {
                    rows.Add(row);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing was ever written.
        }

        return new AnalyticsRead(rows, Truncated: false);
    }

    /// <inheritdoc />
    public async Task HeartbeatAsync(InstanceHeartbeat instance, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(InstancePartition, instance.Id)
        {
            ["Host"] = instance.Host,
            ["StartedAt"] = instance.StartedAt,
            ["LastSeen"] = instance.LastSeen,
            ["Version"] = instance.Version,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InstanceHeartbeat>> ListInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var result = new List<InstanceHeartbeat>();
        try
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {InstancePartition} and LastSeen ge {since}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                result.Add(new InstanceHeartbeat(
                    entity.RowKey, entity.GetString("Host") ?? "", entity.GetDateTimeOffset("StartedAt") ?? default,
                    entity.GetDateTimeOffset("LastSeen") ?? default, entity.GetString("Version") ?? ""));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet.
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<int> DeleteBeforeAsync(long beforeMinute, DateTimeOffset heartbeatsBefore, CancellationToken cancellationToken)
    {
        var deleted = 0;
        try
        {
            var rollups = TableClient.CreateQueryFilter($"PartitionKey ge {"m"} and PartitionKey lt {PartitionOf(beforeMinute)}");
            deleted += await DeleteAsync(rollups, cancellationToken);
            var heartbeats = TableClient.CreateQueryFilter($"PartitionKey eq {InstancePartition} and LastSeen lt {heartbeatsBefore}");
            deleted += await DeleteAsync(heartbeats, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet.
        }

        return deleted;
    }

    private async Task<int> DeleteAsync(string filter, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var batch = new List<TableTransactionAction>(BatchSize);
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (batch.Count == BatchSize || (batch.Count > 0 && batch[0].Entity.PartitionKey != entity.PartitionKey))
            {
                deleted += await SubmitAsync(batch, cancellationToken);
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
        }

        return deleted + (batch.Count > 0 ? await SubmitAsync(batch, cancellationToken) : 0);
    }

    private async Task<int> SubmitAsync(List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        var count = batch.Count;
        await _table.SubmitTransactionAsync(batch, cancellationToken);
        batch.Clear();
        return count;
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _created, 1);
        }
    }

    private static TableEntity ToEntity(string partition, string instance, int part, int index, AnalyticsRow row)
    {
        var counts = row.Counts;
        return new TableEntity(partition, $"{instance}~{part.ToString("D3", CultureInfo.InvariantCulture)}~{index.ToString("D5", CultureInfo.InvariantCulture)}")
        {
            ["Instance"] = instance,
            ["Part"] = part,
            ["Route"] = row.Route,
            ["Consumer"] = row.Consumer,
            ["Class"] = row.StatusClass,
            ["Requests"] = counts.Requests,
            ["BytesIn"] = counts.BytesIn,
            ["BytesOut"] = counts.BytesOut,
            ["RateLimited"] = counts.RateLimited,
            ["UpstreamErrors"] = counts.UpstreamErrors,
            ["Auth"] = RollupEncoding.Encode(counts.AuthFailures, AnalyticsSignals.AuthReasons),
            ["Cache"] = RollupEncoding.Encode(counts.Cache, AnalyticsSignals.CacheOutcomes),
            ["Latency"] = RollupEncoding.Encode(counts.Latency, null),
        };
    }

    private static AnalyticsRow? FromEntity(TableEntity entity)
    {
        if (!DateTime.TryParseExact(entity.PartitionKey.AsSpan(1), "yyyyMMddHHmm", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var minute))
        {
            return null;
        }

        var counts = new AnalyticsCounts();
        counts.Set(
            entity.GetInt64("Requests") ?? 0, entity.GetInt64("BytesIn") ?? 0, entity.GetInt64("BytesOut") ?? 0,
            entity.GetInt64("RateLimited") ?? 0, entity.GetInt64("UpstreamErrors") ?? 0);
        RollupEncoding.Decode(entity.GetString("Auth"), counts.AuthFailures, AnalyticsSignals.AuthReasons);
        RollupEncoding.Decode(entity.GetString("Cache"), counts.Cache, AnalyticsSignals.CacheOutcomes);
        RollupEncoding.Decode(entity.GetString("Latency"), counts.Latency, null);
        return new AnalyticsRow(
            new DateTimeOffset(minute, TimeSpan.Zero), entity.GetString("Instance") ?? "", entity.GetString("Route") ?? "",
            entity.GetString("Consumer") ?? "", entity.GetInt32("Class") ?? 0, counts)
        {
            Part = entity.GetInt32("Part") ?? 0,
        };
    }
}
