using System.IO.Hashing;
using Portico.Configuration;
using Portico.Registry;

namespace Portico.Storage.File;

/// <summary>
/// The DB-less store: the registry is one JSON or YAML file (schema in <c>schema/portico.schema.json</c>), with
/// <c>${NAME}</c> references to environment variables in its string values (docs/configuration.md). A watcher
/// reloads it when it changes; the revision check (a hash of the content) is the fallback when events are missed.
/// </summary>
public sealed class FileRegistryStore : IRegistryStore, IDisposable
{
    private readonly string _path;
    private readonly FileChangeSignal? _signal;
    private readonly Func<string, string?> _environment;

    /// <summary>
    /// Opens the store at <paramref name="path"/> (JSON, or YAML for <c>.yaml</c> and <c>.yml</c>); with
    /// <paramref name="watch"/>, file changes are signalled. <c>${NAME}</c> references in string values are read from
    /// <paramref name="environment"/>, by default the process's environment variables.
    /// </summary>
    public FileRegistryStore(string path, bool watch = true, Func<string, string?>? environment = null)
    {
        _path = path;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        if (watch)
        {
            _signal = new FileChangeSignal(Path.GetFullPath(path));
        }
    }

    /// <inheritdoc />
    public string Description => $"file {_path}";

    /// <summary>The registry file's folder: schema and OpenAPI files named in the registry are read from there.</summary>
    private string? BaseDirectory => Path.GetDirectoryName(Path.GetFullPath(_path));

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
        return Read(bytes, revision);
    }

    /// <summary>
    /// Parses the file's bytes: YAML is converted to the JSON form first, then <c>${NAME}</c> references are substituted;
    /// every error is located in the file as written (its line and column), and values from the environment are redacted
    /// from messages.
    /// </summary>
    private RegistryLoadResult Read(byte[] bytes, string revision)
    {
        ReadOnlySpan<byte> content = bytes;
        byte[] json;
        JsonLocationIndex? index = null;
        ParseResult<RegistryDocument> parsed;
        if (YamlRegistryReader.IsYaml(_path))
        {
            var converted = YamlRegistryReader.Convert(bytes, _path);
            if (converted.Error is { } yamlError)
            {
                return new RegistryLoadResult(revision, [yamlError]);
            }

            (json, index) = (converted.Json!, converted.Index);
            parsed = RegistrySerializer.ParseDerivedDocument(json, Locate);
        }
        else
        {
            json = content.StartsWith("\uFEFF"u8) ? content[3..].ToArray() : bytes;
            parsed = RegistrySerializer.ParseDocument(json, _path);
        }

        if (parsed.Value is null)
        {
            return new RegistryLoadResult(revision, parsed.Errors);
        }

        if (!EnvironmentSubstitution.MayApply(json))
        {
            return new RegistryLoadResult(parsed.Value, revision, Locate) { BaseDirectory = BaseDirectory };
        }

        var (substituted, substitution) = EnvironmentSubstitution.Apply(json, _environment);
        if (substitution.Errors.Count > 0)
        {
            return new RegistryLoadResult(revision, [.. substitution.Errors.Select(e => e with { Location = Locate(e.JsonPath) })]);
        }

        parsed = RegistrySerializer.ParseDerivedDocument(substituted, Locate);
        return parsed.Value is null
            ? new RegistryLoadResult(revision, [.. parsed.Errors.Select(e => e with { Message = substitution.Redact(e.Message) })])
            : new RegistryLoadResult(parsed.Value, revision, Locate, substitution.Redact) { BaseDirectory = BaseDirectory };

        string Locate(string jsonPath)
        {
            index ??= JsonLocationIndex.Build(json);
            return index.Find(jsonPath) is { } at ? $"{_path}:{at.Line}:{at.Column}" : _path;
        }
    }

    // A change marker, not a signature: XXH128 instead of SHA-256 keeps the cryptography library (OpenSSL, which a plain
    // HTTP gateway otherwise never loads) out of every start (docs/performance.md, start-up). Same form: 32 hex digits.
    private static string Revision(byte[] content) => Convert.ToHexStringLower(XxHash128.Hash(content));

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
