namespace Portico.Cli;

/// <summary>A private directory under the system's temporary folder, removed with everything in it when disposed.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    /// <summary>Creates the directory.</summary>
    public TemporaryDirectory() => Path = Directory.CreateTempSubdirectory("portico-").FullName;

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's cleaning of temporary files.
        }
    }
}
