using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Portico.Resilience.CircuitBreakers;

/// <summary>
/// The meeting point between circuits and the shared store: circuits publish their transitions here without ever
/// waiting on storage (a bounded queue the sync service drains), and the records last read from the store are
/// kept so a backend compiled later (a reload) starts from the recorded state too.
/// </summary>
internal sealed class CircuitBreakerBoard
{
    private readonly Channel<CircuitBreakerRecord> _outgoing = Channel.CreateBounded<CircuitBreakerRecord>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly ConcurrentDictionary<string, CircuitBreakerRecord> _latest = new(StringComparer.Ordinal);

    public CircuitBreakerBoard(ICircuitBreakerStore? store, string instanceId)
    {
        Store = store;
        InstanceId = instanceId;
    }

    /// <summary>The shared store, or null when circuits are local only (file mode, or sharing turned off).</summary>
    public ICircuitBreakerStore? Store { get; }

    /// <summary>This process's name in shared records.</summary>
    public string InstanceId { get; }

    public bool IsSharing => Store is not null;

    public ChannelReader<CircuitBreakerRecord> Outgoing => _outgoing.Reader;

    /// <summary>Queues a transition for the store; never blocks.</summary>
    public void Publish(CircuitBreakerRecord record)
    {
        if (IsSharing)
        {
            _outgoing.Writer.TryWrite(record);
        }
    }

    /// <summary>Remembers what the store said (records of other instances only).</summary>
    public void Remember(CircuitBreakerRecord record) => _latest[record.BackendId] = record;

    public CircuitBreakerRecord? Latest(string backendId) => _latest.GetValueOrDefault(backendId);
}
