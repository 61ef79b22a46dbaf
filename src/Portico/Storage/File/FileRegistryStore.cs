using System.Security.Cryptography;
using Portico.Configuration;
using Portico.Registry;

namespace Portico.Storage.File;

/// <summary>
/// The DB-less store: the registry is one JSON file (schema in <c>schema/portico.schema.json</c>). A watcher
/// reloads it when it changes; the revision check (a hash of the content) is the fallback when events are missed.
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
    /// <remarks>
    /// A hash of the content, not the size and write time: file systems stamp write times from a coarse clock, so
    /// two saves of the same size a few milliseconds apart can look identical, and the second would be missed.
    /// The file is small and read at most once per check interval or change signal.
    /// </remarks>
    public async Task<string> GetRevisionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Revision(await System.IO.File.ReadAllBytesAsync(_path, cancellationToken));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return "missing";
        }
    }

    /// <inheritdoc />
    public async Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        var bytes = await System.IO.File.ReadAllBytesAsync(_path, cancellationToken);
        var revision = Revision(bytes); // of the very bytes parsed, so a write in between is seen at the next check
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

    private static string Revision(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16));

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
