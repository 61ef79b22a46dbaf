using Portico.Registry;
using Portico.Storage.File;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Storage;

/// <summary>The registry store contract on the declarative file store.</summary>
public sealed class FileRegistryStoreTests : RegistryStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<FileRegistryStore> _stores = [];

    protected override Task<IRegistryStore> CreateStoreAsync()
    {
        var store = new FileRegistryStore(_directory.File($"registry-{_stores.Count}.json"), watch: false);
        _stores.Add(store);
        return Task.FromResult<IRegistryStore>(store);
    }

    [Fact]
    public async Task Load_FileWithErrors_ReportsLineAndKeepsNothing()
    {
        var path = _directory.File("broken.json");
        await File.WriteAllTextAsync(path, "{\n  \"routes\": 5\n}");
        using var store = new FileRegistryStore(path, watch: false);

        var loaded = await store.LoadAsync(CancellationToken.None);

        Assert.Null(loaded.Document);
        Assert.StartsWith(path + ":2:", Assert.Single(loaded.Errors).Location);
    }

    public void Dispose()
    {
        _stores.ForEach(s => s.Dispose());
        _directory.Dispose();
    }
}
