using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Portico.Configuration;
using Portico.Registry;

namespace Portico.Storage.Tables;

/// <summary>
/// The registry in Azure Table storage (docs/storage.md): one entity per item, partition = kind
/// (<c>backend</c>, <c>route</c>, …), row = id, the definition as JSON in <c>Definition</c>. A revision entity
/// (<c>_meta</c>/<c>revision</c>) is bumped by every import that changes something; instances poll only its
/// ETag, so checking for changes costs one point read per interval however large the registry is.
/// </summary>
public sealed partial class TableRegistryStore : IRegistryStore
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "PorticoRegistry";

    internal const string MetaPartition = "_meta";
    internal const string RevisionRow = "revision";
    internal const string DefinitionProperty = "Definition";
    private const int MaxDefinitionChars = 32_000; // a string property holds at most 64 KiB of UTF-16
    private const int BatchSize = 100; // a table transaction holds at most 100 entities of one partition

    private readonly TableClient _table;
    private readonly string _tableName;
    private int _tableEnsured;
    private bool _revisionSeen;

    /// <summary>Opens the store over <paramref name="service"/>.</summary>
    public TableRegistryStore(TableServiceClient service, string tableName = DefaultTableName)
    {
        _tableName = tableName;
        _table = service.GetTableClient(tableName);
        Description = $"table {tableName} at {service.Uri.GetLeftPart(UriPartial.Path)}";
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IChangeSignal? ChangeSignal => null;

    /// <inheritdoc />
    public async Task<string> GetRevisionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var meta = await _table.GetEntityIfExistsAsync<TableEntity>(MetaPartition, RevisionRow, ["Revision"], cancellationToken);
            if (meta.HasValue)
            {
                Volatile.Write(ref _revisionSeen, true);
                return meta.Value!.ETag.ToString();
            }

            return NoRevision();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return NoRevision(); // no table
        }
    }

    /// <summary>
    /// A table without a revision is an empty registry only until one was seen: once this store has read a revision,
    /// its disappearance (a deleted table, storage restored without its data) is a storage failure, so the live
    /// snapshot keeps serving instead of every route vanishing. Emptying a registry on purpose is an import with
    /// <c>--prune</c>, which keeps the revision.
    /// </summary>
    private string NoRevision() => Volatile.Read(ref _revisionSeen)
        ? throw new IOException($"{Description} has lost its revision entity (table deleted, or storage restored without its data); it is not taken for an empty registry")
        : "none";

    /// <inheritdoc />
    public async Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        // Read the revision before and after: if an import ran in between, read again so a half-written
        // import is never taken for a finished one.
        for (int attempt = 0; ; attempt++)
        {
            var revision = await GetRevisionAsync(cancellationToken);
            var items = await ReadItemsAsync(cancellationToken);
            var after = await GetRevisionAsync(cancellationToken);
            if (revision == after || attempt == 2)
            {
                return Assemble(items, after);
            }
        }
    }

    /// <inheritdoc />
    public async Task<RegistryDiff> ImportAsync(RegistryDocument document, bool prune, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var current = await ReadItemsAsync(cancellationToken);
        var desired = RegistrySection.All.SelectMany(s => s.Read(document)).ToList();
        foreach (var item in desired.Where(i => i.Json.Length > MaxDefinitionChars))
        {
            throw new InvalidOperationException($"{item.Kind} '{item.Id}' is too large for one table entity ({item.Json.Length} characters, at most {MaxDefinitionChars}).");
        }

        var diff = RegistryDiff.Compute(current, desired);
        if (!prune)
        {
            diff = diff.WithoutRemovals();
        }

        if (diff.IsEmpty)
        {
            return diff;
        }

        var desiredById = desired.ToDictionary(i => (i.Kind, i.Id));
        var actions = diff.Changes.Select(change => change.Type == RegistryChangeType.Removed
            ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(change.Kind, change.Id), ETag.All)
            : new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(desiredById[(change.Kind, change.Id)])));

        // Sections are written in dependency order (backends before the routes that use them).
        foreach (var partition in actions.GroupBy(a => a.Entity.PartitionKey))
        {
            foreach (var batch in partition.Chunk(BatchSize))
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
            }
        }

        await BumpRevisionAsync(cancellationToken);
        return diff;
    }

    private static TableEntity ToEntity(RegistryItem item) => new(item.Kind, item.Id)
    {
        [DefinitionProperty] = item.Json,
        ["SchemaVersion"] = 1,
    };

    private async Task<List<RegistryItem>> ReadItemsAsync(CancellationToken cancellationToken)
    {
        var items = new List<RegistryItem>();
        try
        {
            var query = _table.QueryAsync<TableEntity>(
                $"PartitionKey ne '{MetaPartition}'", select: ["PartitionKey", "RowKey", DefinitionProperty], cancellationToken: cancellationToken);
            await foreach (var entity in query)
            {
                items.Add(new RegistryItem(entity.PartitionKey, entity.RowKey, entity.GetString(DefinitionProperty) ?? "null"));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: an empty registry.
        }

        return items;
    }

    private RegistryLoadResult Assemble(List<RegistryItem> items, string revision)
    {
        var errors = new List<ConfigurationError>();
        var document = new RegistryDocument();
        var sections = new Dictionary<string, List<RegistryItem>>();
        foreach (var section in RegistrySection.All)
        {
            var ofKind = items.Where(i => i.Kind == section.Kind).ToList();
            sections[section.Member] = ofKind;
            document = section.Write(document, ofKind, i => EntityLocation(section.Kind, ofKind[i].Id), errors);
        }

        if (errors.Count > 0)
        {
            return new RegistryLoadResult(revision, errors);
        }

        return new RegistryLoadResult(document, revision, jsonPath =>
        {
            var match = ItemPath().Match(jsonPath);
            return match.Success
                   && sections.TryGetValue(match.Groups[1].Value, out var list)
                   && int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) is var index
                   && index < list.Count
                ? EntityLocation(list[index].Kind, list[index].Id)
                : $"table {_tableName}";
        });
    }

    private string EntityLocation(string partition, string row) => $"table {_tableName} (PartitionKey '{partition}', RowKey '{row}')";

    private async Task BumpRevisionAsync(CancellationToken cancellationToken)
    {
        // Conditional update on the ETag: two concurrent imports each bump it once, neither bump is lost.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var meta = await _table.GetEntityIfExistsAsync<TableEntity>(MetaPartition, RevisionRow, cancellationToken: cancellationToken);
                if (!meta.HasValue)
                {
                    await _table.AddEntityAsync(new TableEntity(MetaPartition, RevisionRow) { ["Revision"] = 1L }, cancellationToken);
                    return;
                }

                var entity = meta.Value!;
                entity["Revision"] = (entity.GetInt64("Revision") ?? 0) + 1;
                await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when ((ex.Status is 409 or 412) && attempt < 10)
            {
                // Another import bumped it first: read again and retry.
            }
        }
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _tableEnsured) == 1)
        {
            return;
        }

        await _table.CreateIfNotExistsAsync(cancellationToken);
        Volatile.Write(ref _tableEnsured, 1);
    }

    [GeneratedRegex(@"^\$\.([A-Za-z]+)\[(\d+)\]")]
    private static partial Regex ItemPath();
}
