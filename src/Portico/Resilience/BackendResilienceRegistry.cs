using Portico.Proxy;
using Portico.Resilience.CircuitBreakers;

namespace Portico.Resilience;

/// <summary>
/// Keeps each backend's <see cref="BackendResilience"/> beyond the snapshot that created it, keyed by backend id
/// and configuration hash: a reload that leaves a backend unchanged keeps its open circuit, bulkhead and budget; a
/// changed backend starts fresh. At most two configurations per backend are kept (the live one and a candidate
/// that was compiled but maybe rejected), so memory stays bounded however often the registry changes.
/// </summary>
internal sealed class BackendResilienceRegistry(ResilienceTelemetry telemetry, CircuitBreakerBoard board, TimeProvider time)
{
    private const int ConfigurationsPerBackend = 2;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<BackendResilience>> _byBackend = new(StringComparer.Ordinal);

    public BackendResilience GetOrCreate(string backendId, string configHash, BackendResilienceSettings settings, UpstreamClient client)
    {
        lock (_lock)
        {
            if (!_byBackend.TryGetValue(backendId, out var list))
            {
                _byBackend[backendId] = list = [];
            }

            for (int i = 0; i < list.Count; i++)
            {
                if (list[i].ConfigHash == configHash)
                {
                    var found = list[i];
                    list.RemoveAt(i);
                    list.Add(found); // most recently used last
                    return found;
                }
            }

            var created = new BackendResilience(backendId, configHash, settings, client, telemetry, board, time);
            if (board.Latest(backendId) is { } record)
            {
                created.Adopt(record); // a new backend, or a new instance, starts from the recorded state
            }

            list.Add(created);
            if (list.Count > ConfigurationsPerBackend)
            {
                list.RemoveAt(0);
            }

            return created;
        }
    }

    /// <summary>Every kept state of <paramref name="backendId"/>.</summary>
    public BackendResilience[] For(string backendId)
    {
        lock (_lock)
        {
            return _byBackend.TryGetValue(backendId, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Applies records read from the shared store.</summary>
    public void Apply(IEnumerable<CircuitBreakerRecord> records)
    {
        foreach (var record in records)
        {
            if (record.Instance == board.InstanceId)
            {
                continue;
            }

            board.Remember(record);
            foreach (var state in For(record.BackendId))
            {
                state.Adopt(record);
            }
        }
    }
}
