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

    [Fact]
    public async Task Revision_SameSizeAndWriteTime_StillChangesWithTheContent()
    {
        // File systems stamp write times from a coarse clock: two saves of the same size a few milliseconds
        // apart can carry the same size and time. The revision must still tell them apart.
        var path = _directory.File("same-size.json");
        await File.WriteAllTextAsync(path, """{ "backends": [ { "id": "a", "url": "http://127.0.0.1:1" } ] }""");
        var stamp = File.GetLastWriteTimeUtc(path);
        using var store = new FileRegistryStore(path, watch: false);
        var before = await store.GetRevisionAsync(CancellationToken.None);

        await File.WriteAllTextAsync(path, """{ "backends": [ { "id": "b", "url": "http://127.0.0.1:1" } ] }""");
        File.SetLastWriteTimeUtc(path, stamp);

        var after = await store.GetRevisionAsync(CancellationToken.None);
        Assert.NotEqual(before, after);
        Assert.Equal(after, (await store.LoadAsync(CancellationToken.None)).Revision);
    }

    [Fact]
    public async Task Revision_FileMissing_IsMissing()
    {
        using var store = new FileRegistryStore(_directory.File("absent.json"), watch: false);

        Assert.Equal("missing", await store.GetRevisionAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        _stores.ForEach(s => s.Dispose());
        _directory.Dispose();
    }
}
