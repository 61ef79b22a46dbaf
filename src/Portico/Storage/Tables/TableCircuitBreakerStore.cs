using Azure.Data.Tables;
using Azure;
using Portico.Resilience.CircuitBreakers;
using Portico.Resilience;

namespace Portico.Storage.Tables;

/// <summary>
/// Shared circuit state in Table storage (docs/storage.md): one entity per backend in the partition
/// <c>circuit</c>, row key = backend id. Instances write on transitions only and read the whole partition with one
/// query per sync interval, so the storage cost does not grow with traffic.
/// </summary>
internal sealed class TableCircuitBreakerStore : ICircuitBreakerStore
{
    /// <summary>The default table, created by the Bicep templates.</summary>
    public const string DefaultTableName = "PorticoCircuitBreakers";

    internal const string Partition = "circuit";

    private readonly TableClient _table;
    private int _tableEnsured;

    public TableCircuitBreakerStore(TableServiceClient service, string tableName = DefaultTableName)
    {
        _table = service.GetTableClient(tableName);
        Description = $"table {tableName} at {service.Uri.GetLeftPart(UriPartial.Path)}";
    }

    public string Description { get; }

    public async Task<IReadOnlyList<CircuitBreakerRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var records = new List<CircuitBreakerRecord>();
        try
        {
            await foreach (var entity in _table.QueryAsync<TableEntity>($"PartitionKey eq '{Partition}'", cancellationToken: cancellationToken))
            {
                if (FromEntity(entity) is { } record)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing was ever recorded.
        }

        return records;
    }

    public async Task WriteAsync(CircuitBreakerRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await WriteCoreAsync(record, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && Volatile.Read(ref _tableEnsured) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _tableEnsured, 1);
            await WriteCoreAsync(record, cancellationToken);
        }
    }

    private async Task WriteCoreAsync(CircuitBreakerRecord record, CancellationToken cancellationToken)
    {
        var entity = ToEntity(record);
        if (record.IsOpen)
        {
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            return;
        }

        // A close must not erase an open that another instance decided after it: replace only what was read
        // (If-Match on its ETag); a 412 means someone wrote meanwhile, and their record stands.
        var current = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, record.BackendId, cancellationToken: cancellationToken);
        if (!current.HasValue)
        {
            return; // nothing shared to close
        }

        var stored = current.Value!;
        if (FromEntity(stored) is { IsOpen: true } open && open.ChangedAt > record.ChangedAt)
        {
            return;
        }

        try
        {
            await _table.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Another instance wrote first; the next read adopts its decision.
        }
    }

    private static TableEntity ToEntity(CircuitBreakerRecord record) => new(Partition, record.BackendId)
    {
        ["State"] = record.IsOpen ? "open" : "closed",
        ["OpenUntil"] = record.OpenUntil,
        ["ConfigHash"] = record.ConfigHash,
        ["Instance"] = record.Instance,
        ["ChangedAt"] = record.ChangedAt,
        ["AfterTrial"] = record.AfterTrial,
    };

    private static CircuitBreakerRecord? FromEntity(TableEntity entity)
    {
        var state = entity.GetString("State");
        if (state is not ("open" or "closed")
            || entity.GetDateTimeOffset("OpenUntil") is not { } openUntil
            || entity.GetDateTimeOffset("ChangedAt") is not { } changedAt)
        {
            return null; // not ours, or edited by hand into something unreadable: ignore rather than guess
        }

        return new CircuitBreakerRecord(
            entity.RowKey, entity.GetString("ConfigHash") ?? "", state == "open", openUntil, entity.GetString("Instance") ?? "", changedAt,
            entity.GetBoolean("AfterTrial") ?? false);
    }
}
