using Microsoft.Extensions.Logging;

namespace Portico.Functions.TestHost;

/// <summary>The host's log, bounded (the oldest lines go first), readable while it is written.</summary>
public sealed class HostLog(Action<HostLogEntry>? echo, TimeProvider? time = null)
{
    private const int Capacity = 20_000;
    private readonly Queue<HostLogEntry> _entries = new();

    /// <summary>A copy of the lines kept so far.</summary>
    public IReadOnlyList<HostLogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Every line kept, one per line, for failure messages.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Entries);

    /// <summary>Adds a line.</summary>
    public void Write(LogLevel level, string category, string message)
    {
        var entry = new HostLogEntry((time ?? TimeProvider.System).GetUtcNow(), level, category, message);
        lock (_entries)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(entry);
        }

        echo?.Invoke(entry);
    }
}
