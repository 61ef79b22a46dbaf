namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// This instance's recent demand on one key, in requests per second, to size its leases: requests are counted in
/// windows of at least a quarter of a second, and each window's rate is averaged with the estimate before it (a
/// window longer than a second, after a quiet spell, replaces it). Within a window the estimate is never below what
/// the window has counted so far, so a sudden burst is seen at once.
/// </summary>
/// <remarks>
/// A mutable struct kept in a field of its counter (no allocation per key) and used only in place, with the
/// counter's lock held.
/// </remarks>
internal struct DemandEstimator
{
    private const long MinWindowTicks = TimeSpan.TicksPerSecond / 4;

    private long _windowStart;
    private long _windowCount;
    private double _rate;

    /// <summary>Counts one request at <paramref name="now"/> (UTC ticks).</summary>
    public void Record(long now)
    {
        var elapsed = now - _windowStart;
        if (elapsed >= MinWindowTicks)
        {
            var rate = _windowCount * (double)TimeSpan.TicksPerSecond / elapsed;
            _rate = elapsed > TimeSpan.TicksPerSecond ? rate : (_rate + rate) / 2;
            _windowStart = now;
            _windowCount = 0;
        }

        _windowCount++;
    }

    /// <summary>The demand at <paramref name="now"/>, in requests per second.</summary>
    public readonly double Rate(long now)
    {
        var elapsed = Math.Max(now - _windowStart, MinWindowTicks);
        return Math.Max(_rate, _windowCount * (double)TimeSpan.TicksPerSecond / elapsed);
    }
}
