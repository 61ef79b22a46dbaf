using Azure;
using Azure.Data.Tables;
using Portico.Caching;

namespace Portico.Storage.Tables;

/// <summary>
/// Cache purges in their own table (docs/caching.md): one entity per purge in partition <c>purge</c>, RowKey = the
/// purge id (creation ticks, then a random part), so "everything after the last one I saw" is one range query.
/// Purges are rare (operator actions), so one partition is far from its limits. Properties: <c>Kind</c>,
/// <c>Value</c>, <c>Host</c>, <c>CreatedAt</c>, <c>By</c>.
/// </summary>
public sealed class TablePurgeStore : IPurgeStore
{
    internal const string Partition = "purge";

    private readonly TableClient _table;
    private int _created;

    /// <summary>Opens the store over <paramref name="service"/>.</summary>
    public TablePurgeStore(TableServiceClient service, string tableName)
    {
        _table = service.GetTableClient(tableName);
        Description = $"table {tableName}";
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public async Task AddAsync(PurgeRecord purge, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _created, 1);
        }

        var entity = new TableEntity(Partition, purge.Id)
        {
            ["Kind"] = purge.Kind.ToString(),
            ["Value"] = purge.Value,
            ["Host"] = purge.Host,
            ["CreatedAt"] = purge.CreatedAt,
            ["By"] = purge.By,
        };
        await _table.AddEntityAsync(entity, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PurgeRecord>> ListAfterAsync(string afterId, CancellationToken cancellationToken)
    {
        var result = new List<PurgeRecord>();
        try
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {afterId}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (Enum.TryParse<PurgeKind>(entity.GetString("Kind"), out var kind) && entity.GetString("Value") is { } value
                    && entity.GetDateTimeOffset("CreatedAt") is { } createdAt)
                {
                    result.Add(new PurgeRecord { Id = entity.RowKey, Kind = kind, Value = value, Host = entity.GetString("Host"), CreatedAt = createdAt, By = entity.GetString("By") });
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: no purges.
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    /// <inheritdoc />
    public async Task<int> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = 0;
        try
        {
            var bound = PurgeRecord.NewId(before)[..19];
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey lt {bound}");
            var batch = new List<TableTransactionAction>(100);
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
                if (batch.Count == 100)
                {
                    await _table.SubmitTransactionAsync(batch, cancellationToken);
                    deleted += batch.Count;
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
                deleted += batch.Count;
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet.
        }

        return deleted;
    }
}
