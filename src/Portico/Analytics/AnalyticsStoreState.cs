namespace Portico.Analytics;

/// <summary>Whether the analytics store took the last write, and what was lost: the API's <c>storage</c> member and the dashboard's banner.</summary>
internal sealed class AnalyticsStoreState
{
    private readonly Lock _lock = new();
    private bool _healthy = true;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _lastWriteAt;
    private long _droppedRequests;

    /// <summary>Whether the last write or read reached the store.</summary>
    public bool IsHealthy
    {
        get
        {
            lock (_lock)
            {
                return _healthy;
            }
        }
    }

    /// <summary>The values to show, taken together.</summary>
    public (bool Healthy, string? LastError, DateTimeOffset? LastErrorAt, DateTimeOffset? LastWriteAt, long DroppedRequests) Read()
    {
        lock (_lock)
        {
            return (_healthy, _lastError, _lastErrorAt, _lastWriteAt, _droppedRequests);
        }
    }

    /// <summary>Records a failed store call.</summary>
    public void Failed(DateTimeOffset now, Exception ex)
    {
        lock (_lock)
        {
            _healthy = false;
            _lastError = AnalyticsFlusher.Describe(ex);
            _lastErrorAt = now;
        }
    }

    /// <summary>Records a successful store call; true when it ends an outage.</summary>
    public bool Succeeded(DateTimeOffset now)
    {
        lock (_lock)
        {
            var recovered = !_healthy;
            _healthy = true;
            _lastWriteAt = now;
            return recovered;
        }
    }

    /// <summary>Counts requests whose rollups were dropped.</summary>
    public void Dropped(long requests)
    {
        lock (_lock)
        {
            _droppedRequests += requests;
        }
    }
}
