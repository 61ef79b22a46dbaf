using Microsoft.Extensions.Logging;

namespace Portico.Functions.TestHost;

/// <summary>One line of the host's log: its own messages, the worker's console lines and the worker's logs sent over gRPC.</summary>
/// <param name="Time">When the host wrote it.</param>
/// <param name="Level">Its level (console lines are classified by their words, as the host does).</param>
/// <param name="Category">Where it came from: <c>Host</c>, <c>Worker.Console</c>, or the worker's own log category.</param>
/// <param name="Message">The text.</param>
public sealed record HostLogEntry(DateTimeOffset Time, LogLevel Level, string Category, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Time:HH:mm:ss.fff} [{Level}] {Category}: {Message}";
}
