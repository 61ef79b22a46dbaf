namespace Portico.Resilience.CircuitBreakers;

/// <summary>
/// Calls and failures over a rolling window, in ten buckets, counted without a lock: recording a call is one
/// interlocked increment (plus a bucket reset when the clock moved on), because every call of a backend records
/// one. Under contention a count can be lost at a bucket boundary; a breaker's ratio does not need better.
/// </summary>
internal sealed class HealthWindow
{
    private const int BucketCount = 10;

    private readonly Bucket[] _buckets = new Bucket[BucketCount];
    private readonly long _bucketTicks;
    private readonly TimeProvider _time;

    public HealthWindow(TimeSpan samplingDuration, TimeProvider time)
    {
        _time = time;
        // Window ids are in TimeProvider timestamp units, so a fake clock drives the window too.
        _bucketTicks = Math.Max(1, (long)(samplingDuration.TotalSeconds * time.TimestampFrequency / BucketCount));
        for (int i = 0; i < BucketCount; i++)
        {
            _buckets[i] = new Bucket();
        }
    }

    /// <summary>Counts one call at <paramref name="stamp"/> (the clock's timestamp, read once by the caller).</summary>
    public void Record(bool failed, long stamp)
    {
        var bucket = Current(stamp);
        Interlocked.Increment(ref bucket.Calls);
        if (failed)
        {
            Interlocked.Increment(ref bucket.Failures);
        }
    }

    /// <summary>
    /// Turns a call already recorded as a success into a failure: its response started well and then broke (issue
    /// 23). If its slice of time has been forgotten meanwhile, the call is counted again, as a failure.
    /// </summary>
    public void RecordLateFailure()
    {
        var bucket = Current();
        if (Interlocked.Increment(ref bucket.Failures) > Volatile.Read(ref bucket.Calls))
        {
            Interlocked.Increment(ref bucket.Calls);
        }
    }

    /// <summary>Calls and failures within the window now.</summary>
    public (int Calls, int Failures) Totals()
    {
        var current = _time.GetTimestamp() / _bucketTicks;
        int calls = 0, failures = 0;
        foreach (var bucket in _buckets)
        {
            var id = Volatile.Read(ref bucket.Id);
            if (id > current - BucketCount && id <= current)
            {
                calls += Volatile.Read(ref bucket.Calls);
                failures += Volatile.Read(ref bucket.Failures);
            }
        }

        return (calls, failures);
    }

    /// <summary>The bucket of the current slice of time, emptied first if it still held an older slice.</summary>
    private Bucket Current() => Current(_time.GetTimestamp());

    private Bucket Current(long stamp)
    {
        var id = stamp / _bucketTicks;
        var bucket = _buckets[id % BucketCount];
        var seen = Volatile.Read(ref bucket.Id);
        if (seen != id && Interlocked.CompareExchange(ref bucket.Id, id, seen) == seen)
        {
            // This thread moved the bucket to the new slice of time: forget what it held.
            Volatile.Write(ref bucket.Calls, 0);
            Volatile.Write(ref bucket.Failures, 0);
        }

        return bucket;
    }

    /// <summary>Forgets everything (a closed circuit starts afresh).</summary>
    public void Reset()
    {
        foreach (var bucket in _buckets)
        {
            Volatile.Write(ref bucket.Id, long.MinValue);
        }
    }

    private sealed class Bucket
    {
        public long Id = long.MinValue;
        public int Calls;
        public int Failures;
    }
}
