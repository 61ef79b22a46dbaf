namespace Portico.RateLimiting.SharedCounters;

/// <summary>How one <see cref="StoredCounter.UpdateAsync"/> ended, for its <see cref="ICounterUpdate.Finish"/>.</summary>
internal enum CounterUpdateOutcome
{
    /// <summary>The update was written: what it took is confirmed.</summary>
    Written,

    /// <summary>The update had nothing to write (no token to take, nothing to give back): the batch is answered from memory.</summary>
    NothingToWrite,

    /// <summary>Other instances kept writing first, up to the last attempt or the storage timeout: nothing was taken.</summary>
    Contended,

    /// <summary>Storage was not used (its breaker is open) or a read failed: nothing was written.</summary>
    Unavailable,

    /// <summary>The write failed: it may or may not have landed.</summary>
    WriteFailed,
}
