using Azure;

namespace Portico.RateLimiting;

/// <summary>The result of one counter-storage operation.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Entity">The entity read, for reads that found one.</param>
/// <param name="ETag">The entity's new ETag after a write.</param>
/// <param name="Error">Why it failed (status and error code; never a response body).</param>
internal readonly record struct StoreResult(StoreStatus Status, CounterEntity? Entity = null, ETag ETag = default, string? Error = null);
