using Portico.Configuration;
using Portico.Registry;

namespace Portico.Storage.File;

/// <summary>
/// The DB-less store: the registry is one JSON file (schema in <c>schema/portico.schema.json</c>). A watcher
/// reloads it when it changes; the revision check (size and write time) is the fallback when events are missed.
/// </summary>
public sealed class FileRegistryStore : IRegistryStore, IDisposable
{
    private readonly string _path;
    private readonly FileChangeSignal? _signal;

    /// <summary>Opens the store at <paramref name="path"/>; with <paramref name="watch"/>, file changes are signalled.</summary>
    public FileRegistryStore(string path, bool watch = true)
    {
        _path = path;
        if (watch)
        {
            _signal = new FileChangeSignal(Path.GetFullPath(path));
        }
    }

    /// <inheritdoc />
    public string Description => $"file {_path}";

    /// <inheritdoc />
    public IChangeSignal? ChangeSignal => _signal;

    /// <inheritdoc />
    public Task<string> GetRevisionAsync(CancellationToken cancellationToken)
    {
        var info = new FileInfo(_path);
        return Task.FromResult(info.Exists ? $"{info.Length}-{info.LastWriteTimeUtc.Ticks}" : "missing");
    }

    /// <inheritdoc />
    public async Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        var revision = await GetRevisionAsync(cancellationToken);
        var bytes = await System.IO.File.ReadAllBytesAsync(_path, cancellationToken);
        var parsed = RegistrySerializer.ParseDocument(bytes, _path);
        if (parsed.Value is null)
        {
            return new RegistryLoadResult(revision, parsed.Errors);
        }

        JsonLocationIndex? index = null;
        return new RegistryLoadResult(parsed.Value, revision, jsonPath =>
        {
            index ??= JsonLocationIndex.Build(bytes);
            return index.Find(jsonPath) is { } at ? $"{_path}:{at.Line}:{at.Column}" : _path;
        });
    }

    /// <inheritdoc />
    public async Task<RegistryDiff> ImportAsync(RegistryDocument document, bool prune, CancellationToken cancellationToken)
    {
        var current = new RegistryDocument();
        var exists = System.IO.File.Exists(_path);
        if (exists)
        {
            var loaded = await LoadAsync(cancellationToken);
            current = loaded.Document ?? throw new RegistryLoadException(Description, loaded.Errors);
        }

        var merged = RegistrySection.All.Aggregate(current, (doc, section) => section.Merge(doc, document, prune));
        var diff = RegistryDiff.Compute(current, merged);
        if (diff.IsEmpty && exists)
        {
            return diff;
        }

        // Write beside the target and rename over it, so a reader never sees half a file.
        var temp = _path + ".tmp";
        await System.IO.File.WriteAllBytesAsync(temp, RegistrySerializer.SerializeDocument(merged with { Schema = current.Schema ?? document.Schema }), cancellationToken);
        System.IO.File.Move(temp, _path, overwrite: true);
        return diff;
    }

    /// <inheritdoc />
    public void Dispose() => _signal?.Dispose();
}
