using System.Collections.Concurrent;

namespace Portico.Caching;

/// <summary>
/// The in-process store (L1): entries grouped by primary key (a group holds the variants that <c>Vary</c>, the
/// route, the consumer and the route's key headers tell apart), bounded in bytes. When the total passes the budget the
/// least recently used entries go until it is 10% under it, an approximate LRU: a hit only writes a timestamp.
/// </summary>
internal sealed class ResponseCache
{
    /// <summary>Most variants of one primary key; the oldest go first beyond it, so a wide <c>Vary</c> cannot fill the store.</summary>
    public const int MaxVariants = 32;

    private readonly ConcurrentDictionary<string, CachedResponse[]> _groups = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private readonly long _budget;
    private readonly Action<long>? _evicted;
    private long _bytes;
    private long _count;

    /// <param name="budget">Most bytes held.</param>
    /// <param name="evicted">Told how many entries an eviction pass removed (for metrics).</param>
    public ResponseCache(long budget, Action<long>? evicted = null)
    {
        _budget = budget;
        _evicted = evicted;
    }

    /// <summary>Bytes held now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Entries held now.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The variants stored under <paramref name="primaryKey"/>, or null.</summary>
    public CachedResponse[]? Find(string primaryKey) => _groups.TryGetValue(primaryKey, out var group) ? group : null;

    /// <summary>
    /// Stores <paramref name="entry"/>, replacing the variant it supersedes (same route, consumer, key headers and
    /// <c>Vary</c> values; §4.3.4 for a 304's update), then evicts if the budget is passed.
    /// </summary>
    public void Store(CachedResponse entry, CachedResponse? replacing = null)
    {
        if (entry.Size > _budget)
        {
            return;
        }

        long added = entry.Size;
        long removedBytes = 0;
        long removedCount = 0;
        _groups.AddOrUpdate(
            entry.PrimaryKey,
            static (_, e) => [e],
            (_, group, e) =>
            {
                removedBytes = 0;
                removedCount = 0;
                var kept = new List<CachedResponse>(group.Length + 1) { e };
                foreach (var old in group)
                {
                    if (ReferenceEquals(old, replacing) || SameVariant(old, e) || kept.Count >= MaxVariants)
                    {
                        removedBytes += old.Size;
                        removedCount++;
                    }
                    else
                    {
                        kept.Add(old);
                    }
                }

                return [.. kept];
            },
            entry);

        // AddOrUpdate may run the update more than once under contention; the counts of the last run are the ones applied.
        Interlocked.Add(ref _bytes, added - removedBytes);
        Interlocked.Add(ref _count, 1 - removedCount);
        if (Bytes > _budget)
        {
            Evict();
        }
    }

    /// <summary>Removes every variant of <paramref name="primaryKey"/> (invalidation, RFC 9111 §4.4); the number removed.</summary>
    public int RemoveKey(string primaryKey)
    {
        if (!_groups.TryRemove(primaryKey, out var group))
        {
            return 0;
        }

        Account(group);
        return group.Length;
    }

    /// <summary>Removes the entries <paramref name="match"/> selects (purges); the number removed.</summary>
    public int RemoveWhere(Func<CachedResponse, bool> match)
    {
        var removed = 0;
        foreach (var (key, group) in _groups)
        {
            if (!group.Any(match))
            {
                continue;
            }

            var gone = new List<CachedResponse>();
            _groups.AddOrUpdate(key, static (_, _) => [], (_, current, _) =>
            {
                gone.Clear();
                var kept = new List<CachedResponse>(current.Length);
                foreach (var e in current)
                {
                    (match(e) ? gone : kept).Add(e);
                }

                return [.. kept];
            }, 0);
            RemoveEmpty(key);
            Account([.. gone]);
            removed += gone.Count;
        }

        return removed;
    }

    /// <summary>Removes one entry if it is still stored (for example a purged entry found on use).</summary>
    public void Remove(CachedResponse entry) => RemoveWhere(e => ReferenceEquals(e, entry));

    /// <summary>Every entry (a moment's view), for tests and purges.</summary>
    public IEnumerable<CachedResponse> Entries() => _groups.Values.SelectMany(g => g);

    private static bool SameVariant(CachedResponse a, CachedResponse b) =>
        a.RouteId == b.RouteId
        && a.Consumer == b.Consumer
        && a.KeyHeaderValues.AsSpan().SequenceEqual(b.KeyHeaderValues)
        && a.VaryNames.AsSpan().SequenceEqual(b.VaryNames)
        && a.VaryValues.AsSpan().SequenceEqual(b.VaryValues);

    private void RemoveEmpty(string key)
    {
        if (_groups.TryGetValue(key, out var group) && group.Length == 0)
        {
            _groups.TryRemove(new KeyValuePair<string, CachedResponse[]>(key, group));
        }
    }

    private void Account(CachedResponse[] removed)
    {
        long bytes = 0;
        foreach (var e in removed)
        {
            bytes += e.Size;
        }

        Interlocked.Add(ref _bytes, -bytes);
        Interlocked.Add(ref _count, -removed.Length);
    }

    private void Evict()
    {
        // One evictor at a time; others carry on (the store may be briefly over budget, never unbounded).
        if (!_evicting.TryEnter())
        {
            return;
        }

        try
        {
            var target = _budget - _budget / 10;
            if (Bytes <= _budget)
            {
                return;
            }

            var all = Entries().ToArray();
            Array.Sort(all, static (a, b) => a.LastUse.CompareTo(b.LastUse));
            var victims = new HashSet<CachedResponse>(ReferenceEqualityComparer.Instance);
            var projected = Bytes;
            foreach (var e in all)
            {
                if (projected <= target)
                {
                    break;
                }

                victims.Add(e);
                projected -= e.Size;
            }

            var count = RemoveWhere(victims.Contains);
            _evicted?.Invoke(count);
        }
        finally
        {
            _evicting.Exit();
        }
    }
}
