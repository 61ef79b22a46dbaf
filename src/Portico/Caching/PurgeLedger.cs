namespace Portico.Caching;

/// <summary>
/// The purges this instance knows of, kept for <see cref="PurgeOptions.Retention"/>. Entries read from the shared
/// store are checked against it before use, since a purge made while they sat in Blob storage did not touch them;
/// until it has been loaded once (<see cref="IsLoaded"/>), the shared store is not read at all.
/// </summary>
internal sealed class PurgeLedger
{
    private readonly Lock _lock = new();
    private PurgeRecord[] _records = [];
    private volatile bool _loaded;

    /// <summary>Whether the shared purges have been read at least once (always true without a purge store).</summary>
    public bool IsLoaded => _loaded;

    /// <summary>The id of the newest purge known, for the next read; empty when none.</summary>
    public string LastId { get; private set; } = "";

    /// <summary>The purges known now, oldest first.</summary>
    public IReadOnlyList<PurgeRecord> Records => _records;

    /// <summary>Marks the ledger loaded.</summary>
    public void MarkLoaded() => _loaded = true;

    /// <summary>Adds the purges not known yet and forgets those older than <paramref name="oldest"/>; returns the new ones.</summary>
    public List<PurgeRecord> Add(IEnumerable<PurgeRecord> purges, DateTimeOffset oldest)
    {
        var added = new List<PurgeRecord>();
        lock (_lock)
        {
            var known = new HashSet<string>(_records.Select(r => r.Id), StringComparer.Ordinal);
            foreach (var purge in purges)
            {
                if (known.Add(purge.Id))
                {
                    added.Add(purge);
                }
            }

            _records = [.. _records.Concat(added).Where(r => r.CreatedAt >= oldest).OrderBy(r => r.Id, StringComparer.Ordinal)];
            foreach (var purge in added)
            {
                if (string.CompareOrdinal(purge.Id, LastId) > 0)
                {
                    LastId = purge.Id;
                }
            }
        }

        return added;
    }

    /// <summary>Whether a purge made after <paramref name="entry"/> was stored (allowing <paramref name="skew"/>) selects it.</summary>
    public bool IsPurged(CachedResponse entry, TimeSpan skew)
    {
        foreach (var purge in _records)
        {
            if (purge.CreatedAt + skew >= entry.ResponseTime && purge.Selects(entry))
            {
                return true;
            }
        }

        return false;
    }
}
