using Azure;
using Azure.Data.Tables;
using Portico.Auth;
using Portico.Configuration;

namespace Portico.Storage.Tables;

/// <summary>
/// API keys in their own table (docs/storage.md): one entity per key, PartitionKey = the key id and RowKey
/// <c>key</c>, so a lookup is a point read and no two keys share a partition (hot keys never contend). Properties:
/// <c>Consumer</c>, <c>Hash</c> (SHA-256 hex), <c>Status</c>, <c>Created</c>. The key itself is never stored.
/// </summary>
public sealed class TableApiKeyStore : IApiKeyStore
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "PorticoApiKeys";

    internal const string Row = "key";

    private readonly TableClient _table;

    /// <summary>Opens the store over <paramref name="service"/>.</summary>
    public TableApiKeyStore(TableServiceClient service, string tableName = DefaultTableName)
    {
        _table = service.GetTableClient(tableName);
        Description = $"table {tableName}";
    }

    /// <summary>For logs: the table name (never the connection string).</summary>
    public string Description { get; }

    /// <summary>The key with id <paramref name="id"/>, or null.</summary>
    public async Task<ApiKeyDefinition?> FindAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var entity = await _table.GetEntityIfExistsAsync<TableEntity>(id, Row, cancellationToken: cancellationToken);
            return entity.HasValue ? ToDefinition(entity.Value!) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // no table yet: no keys
        }
    }

    /// <summary>Stores a new key; false when the id is taken (ids are random, so only by a collision).</summary>
    public async Task<bool> CreateAsync(ApiKeyDefinition key, CancellationToken cancellationToken)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            await _table.AddEntityAsync(ToEntity(key), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Every key, or those of one consumer.</summary>
    public async Task<List<ApiKeyDefinition>> ListAsync(string? consumer, CancellationToken cancellationToken)
    {
        var result = new List<ApiKeyDefinition>();
        try
        {
            var filter = consumer is null ? null : TableClient.CreateQueryFilter($"Consumer eq {consumer}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (entity.RowKey == Row && ToDefinition(entity) is { } key)
                {
                    result.Add(key);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: no keys.
        }

        return result;
    }

    /// <summary>Marks a key revoked (conditional on its ETag); false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            NullableResponse<TableEntity> entity;
            try
            {
                entity = await _table.GetEntityIfExistsAsync<TableEntity>(id, Row, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }

            if (!entity.HasValue)
            {
                return false;
            }

            var value = entity.Value!;
            value["Status"] = "revoked";
            try
            {
                await _table.UpdateEntityAsync(value, value.ETag, TableUpdateMode.Merge, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 5)
            {
                // Changed meanwhile: read again.
            }
        }
    }

    private static TableEntity ToEntity(ApiKeyDefinition key) => new(key.Id, Row)
    {
        ["Consumer"] = key.Consumer,
        ["Hash"] = key.Hash,
        ["Status"] = key.Status ?? "active",
        ["Created"] = key.Created,
    };

    private static ApiKeyDefinition? ToDefinition(TableEntity entity)
    {
        var consumer = entity.GetString("Consumer");
        var hash = entity.GetString("Hash");
        if (consumer is null || hash is null)
        {
            return null;
        }

        return new ApiKeyDefinition
        {
            Id = entity.PartitionKey,
            Consumer = consumer,
            Hash = hash,
            Status = entity.GetString("Status"),
            Created = entity.GetString("Created"),
        };
    }
}
