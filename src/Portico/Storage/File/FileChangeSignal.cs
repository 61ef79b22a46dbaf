using Portico.Registry;

namespace Portico.Storage.File;

/// <summary>
/// Signals changes to one file. Watches the directory, not the file, because editors and deployment tools
/// replace files by renaming a new one over the old.
/// </summary>
internal sealed class FileChangeSignal : IChangeSignal, IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FileChangeSignal(string fullPath)
    {
        var directory = Path.GetDirectoryName(fullPath);
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            _watcher = new FileSystemWatcher(directory, Path.GetFileName(fullPath))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => Fire();
            _watcher.Created += (_, _) => Fire();
            _watcher.Renamed += (_, _) => Fire();
            _watcher.EnableRaisingEvents = true;
        }
        catch (IOException)
        {
            // Out of inotify watches, for example: polling still picks changes up.
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    public void Dispose() => _watcher?.Dispose();

    private void Fire() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
