using System.Collections.Concurrent;

namespace Portico.Auth;

/// <summary>
/// A small thread-safe cache whose entries expire on <see cref="TimeProvider"/> time, bounded in size: past the bound
/// it drops expired entries, and if that is not enough, everything (a flood of unique keys must not grow memory).
/// </summary>
internal sealed class ExpiringCache<TKey, TValue>(TimeProvider timeProvider, int maxEntries)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && timeProvider.GetUtcNow() < entry.ExpiresAt)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value, DateTimeOffset expiresAt)
    {
        if (_entries.Count >= maxEntries)
        {
            Trim();
        }

        _entries[key] = new Entry(value, expiresAt);
    }

    public void Remove(TKey key) => _entries.TryRemove(key, out _);

    private void Trim()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= maxEntries)
        {
            _entries.Clear();
        }
    }

    private readonly record struct Entry(TValue Value, DateTimeOffset ExpiresAt);
}
