namespace Portico.Analytics;

/// <summary>
/// The counters of one rollup cell (a route × consumer × status class in one minute), or of any sum of cells. Requests add
/// to a live cell with interlocked increments (no lock, no allocation); sums are built single-threaded with
/// <see cref="Add"/>.
/// </summary>
internal sealed class AnalyticsCounts
{
    private long _requests;
    private long _bytesIn;
    private long _bytesOut;
    private long _rateLimited;
    private long _upstreamErrors;

    /// <summary>Requests.</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Request body bytes received.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Response body bytes sent.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Requests refused with 429 (rate limits, quotas, concurrency and address limits).</summary>
    public long RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Requests whose upstream failed (502, 504, open circuit, busy backend, failed part, broken response).</summary>
    public long UpstreamErrors => Volatile.Read(ref _upstreamErrors);

    /// <summary>Authentication and authorization refusals, indexed like <see cref="AnalyticsSignals.AuthReasons"/>.</summary>
    public long[] AuthFailures { get; } = new long[AnalyticsSignals.AuthReasons.Length];

    /// <summary>Cache outcomes, indexed like <see cref="AnalyticsSignals.CacheOutcomes"/>.</summary>
    public long[] Cache { get; } = new long[AnalyticsSignals.CacheOutcomes.Length];

    /// <summary>Latency counts per <see cref="LatencyHistogram"/> bucket.</summary>
    public long[] Latency { get; } = new long[LatencyHistogram.BucketCount];

    /// <summary>Counts one request (thread-safe).</summary>
    public void Record(double milliseconds, long bytesIn, long bytesOut, bool rateLimited, bool upstreamError, int authReason, int cacheOutcome)
    {
        Interlocked.Increment(ref _requests);
        if (bytesIn != 0)
        {
            Interlocked.Add(ref _bytesIn, bytesIn);
        }

        if (bytesOut != 0)
        {
            Interlocked.Add(ref _bytesOut, bytesOut);
        }

        if (rateLimited)
        {
            Interlocked.Increment(ref _rateLimited);
        }

        if (upstreamError)
        {
            Interlocked.Increment(ref _upstreamErrors);
        }

        if (authReason >= 0)
        {
            Interlocked.Increment(ref AuthFailures[authReason]);
        }

        if (cacheOutcome >= 0)
        {
            Interlocked.Increment(ref Cache[cacheOutcome]);
        }

        Interlocked.Increment(ref Latency[LatencyHistogram.IndexOf(milliseconds)]);
    }

    /// <summary>Sets the scalar counters (when read back from storage).</summary>
    public void Set(long requests, long bytesIn, long bytesOut, long rateLimited, long upstreamErrors)
    {
        _requests = requests;
        _bytesIn = bytesIn;
        _bytesOut = bytesOut;
        _rateLimited = rateLimited;
        _upstreamErrors = upstreamErrors;
    }

    /// <summary>Adds <paramref name="other"/> to these counts (single-threaded: for sums and copies).</summary>
    public void Add(AnalyticsCounts other)
    {
        _requests += other.Requests;
        _bytesIn += other.BytesIn;
        _bytesOut += other.BytesOut;
        _rateLimited += other.RateLimited;
        _upstreamErrors += other.UpstreamErrors;
        AddAll(AuthFailures, other.AuthFailures);
        AddAll(Cache, other.Cache);
        AddAll(Latency, other.Latency);
    }

    /// <summary>A copy taken now (of a live cell, whose counters other threads may still be adding to).</summary>
    public AnalyticsCounts Copy()
    {
        var copy = new AnalyticsCounts();
        copy.Add(this);
        return copy;
    }

    private static void AddAll(long[] into, long[] from)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] += Volatile.Read(ref from[i]);
        }
    }
}
