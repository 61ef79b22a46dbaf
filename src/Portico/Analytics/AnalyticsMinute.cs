using System.Collections.Concurrent;

namespace Portico.Analytics;

/// <summary>
/// One minute of this instance's traffic: a cell per route × consumer × status class, at most
/// <see cref="AnalyticsOptions.MaxCellsPerMinute"/> of them (beyond that, new combinations share an <c>(other)</c> cell).
/// </summary>
internal sealed class AnalyticsMinute(long minute, int part, int maxCells)
{
    private readonly ConcurrentDictionary<AnalyticsCellKey, AnalyticsCounts> _cells = new();
    private int _count;

    /// <summary>The minute, in minutes since 0001-01-01 UTC.</summary>
    public long Minute { get; } = minute;

    /// <summary>0, or the number of times this minute was closed early before this part opened (see <see cref="AnalyticsRow.Part"/>).</summary>
    public int Part { get; } = part;

    /// <summary>When this minute was closed to new requests (UTC ticks), or 0 while it is the current one.</summary>
    public long SealedAt { get; set; }

    /// <summary>The rows written for this minute (taken once, so a retry writes exactly the same entities), or null until then.</summary>
    public IReadOnlyList<AnalyticsRow>? Rows { get; set; }

    /// <summary>Whether any request was counted.</summary>
    public bool IsEmpty => _cells.IsEmpty;

    /// <summary>The cell of <paramref name="key"/>, created on first use.</summary>
    public AnalyticsCounts Cell(AnalyticsCellKey key)
    {
        if (_cells.TryGetValue(key, out var cell))
        {
            return cell;
        }

        if (Volatile.Read(ref _count) >= maxCells)
        {
            key = new AnalyticsCellKey(AnalyticsCellKey.Other, AnalyticsCellKey.Other, key.StatusClass);
            if (_cells.TryGetValue(key, out cell))
            {
                return cell;
            }
        }

        cell = new AnalyticsCounts();
        if (_cells.TryAdd(key, cell))
        {
            Interlocked.Increment(ref _count);
            return cell;
        }

        return _cells[key];
    }

    /// <summary>The rows of this minute for <paramref name="instance"/>, copied now.</summary>
    public List<AnalyticsRow> ToRows(string instance)
    {
        var at = new DateTimeOffset(Minute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var rows = new List<AnalyticsRow>(_cells.Count);
        foreach (var (key, cell) in _cells)
        {
            rows.Add(new AnalyticsRow(at, instance, key.Route, key.Consumer, key.StatusClass, cell.Copy()) { Part = Part });
        }

        return rows;
    }
}
