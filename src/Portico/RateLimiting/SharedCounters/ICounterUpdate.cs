namespace Portico.RateLimiting.SharedCounters;

/// <summary>
/// What a shared counter writes for one batch, in the steps of <see cref="StoredCounter.UpdateAsync"/>: prepared
/// against the counter as last known (again after every conflict), taken in once written, answered once at the end.
/// One batch at a time per counter, so an implementation keeps the batch it is deciding in fields.
/// </summary>
internal interface ICounterUpdate
{
    /// <summary>
    /// Applies the batch to <paramref name="values"/> (the counter as last known) for an attempt at
    /// <paramref name="now"/>; false when there is nothing to write. Called without the counter's lock.
    /// </summary>
    bool TryPrepare(ref CounterValues values, long now);

    /// <summary>Takes in the write of <paramref name="values"/> at <paramref name="now"/>. The counter's lock is held.</summary>
    void Written(in CounterValues values, long now);

    /// <summary>Answers the batch: called once, last, whatever the <paramref name="outcome"/>. Called without the counter's lock.</summary>
    void Finish(RateLimiter owner, CounterUpdateOutcome outcome);
}
