namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// A shared counter as this instance last read or wrote it, and the one way both shared stores change it: a
/// conditional write (in Table storage, <c>If-Match</c> on the entity's ETag) that, when another instance wrote
/// first (412, 409, or a 404 after the cleanup), reads the counter again and retries with jitter, up to
/// <see cref="MaxAttempts"/> attempts within the storage timeout. What is written is an <see cref="ICounterUpdate"/>.
/// </summary>
/// <remarks>
/// It shares its counter's lock (<paramref name="sync"/>). Only the batch being decided (one at a time, see
/// <see cref="CounterBatchQueue"/>) reads and writes storage, so the values change only under
/// <see cref="UpdateAsync"/>; requests read them, with the lock held, to decide from memory.
/// </remarks>
internal sealed class StoredCounter(Lock sync, string keyHash, string policyId)
{
    /// <summary>Attempts of one update before the batch is refused as contended (docs/rate-limiting.md, <c>exact</c>).</summary>
    public const int MaxAttempts = 6;

    /// <summary>How long after seeing another instance's write this one reads before writing (its version is likely stale).</summary>
    private const long ContendedTicks = 2 * TimeSpan.TicksPerSecond;

    private bool _known;
    private string? _version; // null while the counter does not exist in storage
    private CounterValues _values;

    // Until when to read before writing: other instances wrote this counter recently, so the version held is likely
    // stale and an optimistic write would cost a conflict and a read anyway.
    private long _contendedUntil;

    /// <summary>The hash of policy and key that names the counter in storage.</summary>
    public string KeyHash => keyHash;

    /// <summary>Whether the counter was read or written yet. The counter's lock is held.</summary>
    public bool IsKnown => _known;

    /// <summary>The counter as last read or written (empty until known). The counter's lock is held.</summary>
    public ref readonly CounterValues Values => ref _values;

    /// <summary>
    /// Writes <paramref name="update"/> conditionally, reading first when the counter is unknown or contended, and
    /// ends with <see cref="ICounterUpdate.Finish"/>. Storage outcomes go to the shared <see cref="StorageHealth"/>.
    /// </summary>
    /// <param name="owner">The limiter: storage, health, clock.</param>
    /// <param name="update">The batch to write.</param>
    /// <param name="started">When the batch started (UTC ticks): the retries of one update stay within the storage timeout.</param>
    public async Task UpdateAsync(RateLimiter owner, ICounterUpdate update, long started)
    {
        bool mustRead;
        lock (sync)
        {
            mustRead = !_known || started < _contendedUntil;
        }

        CounterUpdateOutcome outcome;
        for (int attempt = 1; ; attempt++)
        {
            if (!owner.Health.CanUseStorage(owner.Now) || (mustRead && !await ReadAsync(owner)))
            {
                outcome = CounterUpdateOutcome.Unavailable;
                break;
            }

            var now = owner.Now;
            var (values, version) = Snapshot();
            if (!update.TryPrepare(ref values, now))
            {
                owner.Health.ReleaseProbe();
                outcome = CounterUpdateOutcome.NothingToWrite;
                break;
            }

            var result = await owner.Store.WriteAsync(keyHash, policyId, values, version);
            if (result.Status != StoreStatus.Conflict)
            {
                outcome = Settle(owner, update, in result, in values, now);
                break;
            }

            // Another instance wrote first: read again and retry, within the attempts and the storage timeout.
            owner.Health.ReportSuccess();
            mustRead = true;
            MarkContended(owner.Now);
            if (attempt >= MaxAttempts || owner.Now - started > owner.StorageTimeoutTicks)
            {
                outcome = CounterUpdateOutcome.Contended;
                break;
            }

            await owner.JitterAsync(attempt);
        }

        update.Finish(owner, outcome);
    }

    private (CounterValues Values, string? Version) Snapshot()
    {
        lock (sync)
        {
            return (_values, _version);
        }
    }

    /// <summary>A write that did not conflict: remembered and taken in by the update, or a failure for the breaker.</summary>
    private CounterUpdateOutcome Settle(RateLimiter owner, ICounterUpdate update, in StoreResult result, in CounterValues values, long now)
    {
        if (result.Status != StoreStatus.Ok)
        {
            owner.Health.ReportFailure(result.Error ?? "write failed");
            return CounterUpdateOutcome.WriteFailed;
        }

        owner.Health.ReportSuccess();
        lock (sync)
        {
            Remember(in values, result.Version);
            update.Written(in values, now);
        }

        return CounterUpdateOutcome.Written;
    }

    /// <summary>Reads the counter into <see cref="Values"/>; false when storage failed.</summary>
    private async Task<bool> ReadAsync(RateLimiter owner)
    {
        var read = await owner.Store.ReadAsync(keyHash, policyId);
        if (read.Status == StoreStatus.Failed)
        {
            owner.Health.ReportFailure(read.Error ?? "read failed");
            return false;
        }

        owner.Health.ReportSuccess();
        lock (sync)
        {
            if (_known && read.Version != _version)
            {
                _contendedUntil = owner.Now + ContendedTicks; // another instance wrote since this one last did
            }

            _known = true;
            if (read.Status == StoreStatus.Ok)
            {
                _values = read.Values;
                _version = read.Version;
            }
            else
            {
                _values = default;
                _version = null;
            }
        }

        return true;
    }

    private void Remember(in CounterValues values, string? version)
    {
        _values = values;
        _version = version;
        _known = true;
    }

    private void MarkContended(long now)
    {
        lock (sync)
        {
            _contendedUntil = now + ContendedTicks;
        }
    }
}
