namespace Portico.RateLimiting;

/// <summary>Where a policy's counters live.</summary>
internal enum CounterStoreKind
{
    /// <summary>In this instance's memory; each instance enforces the whole limit on its own.</summary>
    Local,

    /// <summary>Every admission is confirmed by a conditional (ETag) update in Table storage: never over the limit.</summary>
    Exact,

    /// <summary>Blocks of tokens are leased from a shared bucket in Table storage and spent locally.</summary>
    Leased,
}
