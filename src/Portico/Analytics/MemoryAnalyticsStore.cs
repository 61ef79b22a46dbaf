namespace Portico.Analytics;

/// <summary>
/// Rollups kept in this instance's memory, for a gateway without Table storage (file mode): queries see only this instance,
/// and everything is lost when it stops. Retention is capped at <see cref="MaxRetention"/> to bound memory.
/// </summary>
internal sealed class MemoryAnalyticsStore : IAnalyticsStore
{
    /// <summary>The longest memory keeps rollups, whatever <see cref="AnalyticsOptions.Retention"/> says.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromHours(24);

    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, Dictionary<string, IReadOnlyList<AnalyticsRow>>> _minutes = []; // minute → instance~part → rows
    private readonly Dictionary<string, InstanceHeartbeat> _instances = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Mode => "memory";

    /// <inheritdoc />
    public Task WriteAsync(long minute, string instance, int part, IReadOnlyList<AnalyticsRow> rows, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_minutes.TryGetValue(minute, out var byInstance))
            {
                _minutes[minute] = byInstance = new Dictionary<string, IReadOnlyList<AnalyticsRow>>(StringComparer.Ordinal);
            }

            byInstance[instance + "~" + part] = rows;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AnalyticsRead> ReadAsync(long fromMinute, long toMinute, int maxRows, CancellationToken cancellationToken)
    {
        var rows = new List<AnalyticsRow>();
        lock (_lock)
        {
            foreach (var (minute, byInstance) in _minutes)
            {
                if (minute < fromMinute)
                {
                    continue;
                }

                if (minute >= toMinute)
                {
                    break;
                }

                foreach (var instanceRows in byInstance.Values)
                {
                    if (rows.Count + instanceRows.Count > maxRows)
                    {
                        // Up to the bound, like the Table store: a truncated read holds as many rows as it may.
                        rows.AddRange(instanceRows.Take(maxRows - rows.Count));
                        return Task.FromResult(new AnalyticsRead(rows, Truncated: true));
                    }

                    rows.AddRange(instanceRows);
                }
            }
        }

        return Task.FromResult(new AnalyticsRead(rows, Truncated: false));
    }

    /// <inheritdoc />
    public Task HeartbeatAsync(InstanceHeartbeat instance, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _instances[instance.Id] = instance;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<InstanceHeartbeat>> ListInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<InstanceHeartbeat>>([.. _instances.Values.Where(i => i.LastSeen >= since)]);
        }
    }

    /// <inheritdoc />
    public Task<int> DeleteBeforeAsync(long beforeMinute, DateTimeOffset heartbeatsBefore, CancellationToken cancellationToken)
    {
        var deleted = 0;
        lock (_lock)
        {
            foreach (var minute in _minutes.Keys.TakeWhile(m => m < beforeMinute).ToList())
            {
                deleted += _minutes[minute].Values.Sum(r => r.Count);
                _minutes.Remove(minute);
            }

            foreach (var stale in _instances.Values.Where(i => i.LastSeen < heartbeatsBefore).ToList())
            {
                _instances.Remove(stale.Id);
                deleted++;
            }
        }

        return Task.FromResult(deleted);
    }
}
