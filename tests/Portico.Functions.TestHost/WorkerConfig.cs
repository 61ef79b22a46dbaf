using System.Text.Json;

namespace Portico.Functions.TestHost;

/// <summary>
/// The app's <c>worker.config.json</c> (written by the worker SDK into the build output): which program starts the
/// worker and with which assembly. The host builds the worker's command line from it.
/// </summary>
internal sealed record WorkerConfig(string Language, string ExecutablePath, IReadOnlyList<string> ExecutableArguments, string WorkerPath, bool WorkerIndexing)
{
    public static WorkerConfig Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No worker.config.json in {appDirectory}: build the Functions app first.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var description = document.RootElement.GetProperty("description");
        var arguments = description.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Array
            ? [.. args.EnumerateArray().Select(a => a.GetString() ?? "")]
            : Array.Empty<string>();
        var workerPath = description.GetProperty("defaultWorkerPath").GetString()!;
        return new WorkerConfig(
            description.GetProperty("language").GetString()!,
            description.GetProperty("defaultExecutablePath").GetString()!,
            arguments,
            Path.IsPathRooted(workerPath) ? workerPath : Path.Combine(appDirectory, workerPath),
            description.TryGetProperty("workerIndexing", out var indexing) && string.Equals(indexing.GetString(), "true", StringComparison.OrdinalIgnoreCase));
    }
}
