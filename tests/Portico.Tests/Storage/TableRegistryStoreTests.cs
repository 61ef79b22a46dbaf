using Azure.Data.Tables;
using Portico.Registry;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Storage;

/// <summary>The registry store contract on Table storage (Azurite), plus what only tables can get wrong.</summary>
public sealed class TableRegistryStoreTests : RegistryStoreContract
{
    protected override async Task<IRegistryStore> CreateStoreAsync() =>
        new TableRegistryStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName());

    [Fact]
    public async Task Load_EntityWithInvalidDefinition_NamesTheEntity()
    {
        var service = await Azurite.ServiceClientAsync();
        var tableName = Azurite.NewTableName();
        var store = new TableRegistryStore(service, tableName);
        await store.ImportAsync(Sample, prune: false, CancellationToken.None);
        var table = service.GetTableClient(tableName);
        await table.UpsertEntityAsync(new TableEntity("route", "broken") { ["Definition"] = """{"id":"broken","auth": "anonymous", "match":{"path":"/x"},"bogus":1}""" });

        var loaded = await store.LoadAsync(CancellationToken.None);

        var error = Assert.Single(loaded.Errors);
        Assert.Equal($"table {tableName} (PartitionKey 'route', RowKey 'broken')", error.Location);
        Assert.Contains("bogus", error.Message);
    }

    [Fact]
    public async Task Revision_MissingTable_IsStableAndLoadsEmpty()
    {
        var store = new TableRegistryStore(await Azurite.ServiceClientAsync(), Azurite.NewTableName());
        Assert.Equal("none", await store.GetRevisionAsync(CancellationToken.None));
        var loaded = await store.LoadAsync(CancellationToken.None);
        Assert.Empty(loaded.Document!.Routes);
    }

    [Fact]
    public async Task Import_Concurrent_BothLandAndRevisionMovesTwice()
    {
        var service = await Azurite.ServiceClientAsync();
        var tableName = Azurite.NewTableName();
        var first = new TableRegistryStore(service, tableName);
        var second = new TableRegistryStore(service, tableName);
        await first.ImportAsync(Document([], [Sample.Routes[2]]), prune: false, CancellationToken.None);

        await Task.WhenAll(
            first.ImportAsync(Document([], [Sample.Routes[2] with { Id = "a" }]), prune: false, CancellationToken.None),
            second.ImportAsync(Document([], [Sample.Routes[2] with { Id = "b" }]), prune: false, CancellationToken.None));

        var meta = await service.GetTableClient(tableName).GetEntityAsync<TableEntity>("_meta", "revision");
        Assert.Equal(3, meta.Value.GetInt64("Revision"));
        Assert.Equal(["a", "b", "down"], (await first.LoadAsync(CancellationToken.None)).Document!.Routes.Select(r => r.Id).Order());
    }
}
