using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Portico.Discovery.Sources;

namespace Portico.Storage.Tables;

/// <summary>
/// Registered instances in Table storage (docs/discovery.md#registration): one entity per instance, partition = backend
/// id, row key = the hex SHA-256 of its URL (a URL holds characters a row key may not). Each gateway instance reads a
/// backend's partition once per refresh interval, so the cost does not grow with traffic.
/// </summary>
internal sealed class TableInstanceStore : IInstanceStore
{
    /// <summary>The default table, created on first write.</summary>
    public const string DefaultTableName = "PorticoInstances";

    private readonly TableClient _table;
    private int _tableEnsured;

    public TableInstanceStore(TableServiceClient service, string tableName = DefaultTableName)
    {
        _table = service.GetTableClient(tableName);
    }

    public bool IsShared => true;

    public async Task<IReadOnlyList<InstanceRecord>> ListAsync(string backendId, CancellationToken cancellationToken)
    {
        var records = new List<InstanceRecord>();
        try
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {backendId}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
            {
                if (FromEntity(entity) is { } record)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing was ever registered.
        }

        return records;
    }

    public async Task UpsertAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(record.BackendId, RowKey(record.Url))
        {
            ["Url"] = record.Url,
            ["Weight"] = record.Weight,
            ["Metadata"] = JsonSerializer.Serialize(record.Metadata, InstanceJsonContext.Default.IReadOnlyDictionaryStringString),
            ["LastSeen"] = record.LastSeen,
            ["ExpiresAt"] = record.ExpiresAt,
            ["Registrant"] = record.Registrant,
        };
        try
        {
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && Volatile.Read(ref _tableEnsured) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _tableEnsured, 1);
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
    }

    public async Task<bool> DeleteAsync(string backendId, string url, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.DeleteEntityAsync(backendId, RowKey(url), ETag.All, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    private static string RowKey(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));

    private static InstanceRecord? FromEntity(TableEntity entity)
    {
        if (entity.GetString("Url") is not { } url || entity.GetDateTimeOffset("ExpiresAt") is not { } expiresAt
            || entity.GetDateTimeOffset("LastSeen") is not { } lastSeen)
        {
            return null; // not ours, or edited by hand into something unreadable: ignore rather than guess
        }

        IReadOnlyDictionary<string, string> metadata;
        try
        {
            metadata = JsonSerializer.Deserialize(entity.GetString("Metadata") ?? "{}", InstanceJsonContext.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>();
        }
        catch (JsonException)
        {
            metadata = new Dictionary<string, string>();
        }

        return new InstanceRecord(entity.PartitionKey, url, entity.GetInt32("Weight") ?? 1, metadata, lastSeen, expiresAt, entity.GetString("Registrant") ?? "");
    }
}
