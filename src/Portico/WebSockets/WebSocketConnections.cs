using System.Collections.Concurrent;

namespace Portico.WebSockets;

/// <summary>
/// Open WebSocket connections per route and consumer on this instance. One for the process, so counts survive a
/// registry reload: a connection opened under the old snapshot still counts under the new one.
/// </summary>
internal sealed class WebSocketConnections
{
    private readonly ConcurrentDictionary<(string Route, string Consumer), int> _open = new();

    /// <summary>Counts a new connection unless the consumer already holds <paramref name="limit"/> on the route.</summary>
    public bool TryOpen(string route, string consumer, int limit)
    {
        var key = (route, consumer);
        while (true)
        {
            var current = _open.GetOrAdd(key, 0);
            if (current >= limit)
            {
                return false;
            }

            if (_open.TryUpdate(key, current + 1, current))
            {
                return true;
            }
        }
    }

    /// <summary>Counts a connection closed; an entry that reaches zero is removed so idle consumers cost nothing.</summary>
    public void Close(string route, string consumer)
    {
        var key = (route, consumer);
        while (true)
        {
            var current = _open[key];
            if (current == 1 ? _open.TryRemove(new KeyValuePair<(string, string), int>(key, 1)) : _open.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }

    /// <summary>Open connections of <paramref name="consumer"/> on <paramref name="route"/>.</summary>
    public int Count(string route, string consumer) => _open.TryGetValue((route, consumer), out var count) ? count : 0;
}
