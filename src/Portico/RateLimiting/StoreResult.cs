namespace Portico.RateLimiting;

/// <summary>The result of one counter-storage operation, whatever the storage.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Values">The counter read, for reads that found one.</param>
/// <param name="Version">
/// The counter's version (in Table storage, its ETag): after a read that found it, or after a write, the version a
/// conditional write must name. Null when there is none (not found, or a failure).
/// </param>
/// <param name="Error">Why it failed (status and error code; never a response body).</param>
internal readonly record struct StoreResult(StoreStatus Status, CounterValues Values = default, string? Version = null, string? Error = null);
