namespace Portico.Caching;

/// <summary>
/// One purge as stored and shared: what it selects and when it was made. Every entry stored before
/// <see cref="CreatedAt"/> (plus the allowed clock skew) that it selects is removed, on every instance.
/// </summary>
public sealed record PurgeRecord
{
    /// <summary>Unique and ordered by creation: the creation time in ticks, then a random part.</summary>
    public required string Id { get; init; }

    /// <summary>What the purge selects.</summary>
    public required PurgeKind Kind { get; init; }

    /// <summary>The URL (absolute, or a path and query for any host), the path prefix, or the surrogate key.</summary>
    public required string Value { get; init; }

    /// <summary>For <see cref="PurgeKind.Prefix"/>: only this host (lower case); every host when null.</summary>
    public string? Host { get; init; }

    /// <summary>When the purge was made (the clock of the instance that made it).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who asked for it (the admin principal), for the record.</summary>
    public string? By { get; init; }

    /// <summary>A new record's id for <paramref name="at"/>: sortable as text in creation order.</summary>
    public static string NewId(DateTimeOffset at) => at.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Whether this purge selects <paramref name="entry"/> (ignoring times).</summary>
    internal bool Selects(CachedResponse entry) => Kind switch
    {
        PurgeKind.Url => Value.StartsWith('/')
            ? PathAndQuery(entry).SequenceEqual(Value)
            : string.Equals(entry.PrimaryKey, Value, StringComparison.Ordinal),
        PurgeKind.Prefix => entry.Path.StartsWith(Value, StringComparison.Ordinal) && (Host is null || Host == entry.Host),
        PurgeKind.SurrogateKey => Array.IndexOf(entry.SurrogateKeys, Value) >= 0,
        _ => false,
    };

    /// <summary>The part of the entry's primary key after scheme and host.</summary>
    private static ReadOnlySpan<char> PathAndQuery(CachedResponse entry)
    {
        var key = entry.PrimaryKey;
        var start = key.IndexOf("://", StringComparison.Ordinal) + 3 + entry.Host.Length;
        return start <= key.Length ? key.AsSpan(start) : [];
    }
}
