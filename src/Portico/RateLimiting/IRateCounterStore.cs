namespace Portico.RateLimiting;

/// <summary>
/// Where the counters of <c>exact</c> and <c>leased</c> policies are shared between instances, with the instances'
/// heartbeats and the cleanup of expired counters (in Table storage: <c>Storage/Tables/TableRateCounterStore</c>,
/// laid out as docs/rate-limiting.md, "Table storage layout", describes). Every counter call is bounded by
/// <see cref="RateLimitingOptions.StorageTimeout"/> and made without retries (a retry would hold the request longer;
/// conflicts are retried by the caller, outages handled by the policy's failure mode), and every outcome of a counter
/// call is a value, counted in <c>portico.ratelimit.storage.operations</c>.
/// </summary>
internal interface IRateCounterStore
{
    /// <summary>Whether storage is configured; without it shared policies count locally.</summary>
    bool IsConfigured { get; }

    /// <summary>Reads one counter: <see cref="StoreStatus.Ok"/> with its values and version, or <see cref="StoreStatus.NotFound"/>.</summary>
    /// <param name="keyHash">The hash of policy and key (<see cref="RateLimiter.PartitionKeyOf"/>): the key itself is never stored.</param>
    /// <param name="policyId">The policy's id.</param>
    Task<StoreResult> ReadAsync(string keyHash, string policyId);

    /// <summary>
    /// Creates the counter (<paramref name="version"/> null) or replaces it if its version is still
    /// <paramref name="version"/>; <see cref="StoreStatus.Conflict"/> when another instance wrote (or created, or the
    /// cleanup deleted) it first. <see cref="StoreStatus.Ok"/> carries the new version.
    /// </summary>
    Task<StoreResult> WriteAsync(string keyHash, string policyId, CounterValues values, string? version);

    /// <summary>Records this instance as alive and counts the instances seen within <paramref name="window"/>; null when storage failed.</summary>
    Task<int?> HeartbeatAsync(string instanceId, TimeSpan window);

    /// <summary>Removes this instance's heartbeat (on shutdown), best effort.</summary>
    Task LeaveAsync(string instanceId);

    /// <summary>
    /// Deletes counters that expired before <paramref name="before"/>, if this instance wins the cleanup due every
    /// <paramref name="every"/>; a counter written meanwhile is kept. Returns how many were deleted, or null when
    /// another instance runs it. Throws what storage throws (the caller logs it and tries again later).
    /// </summary>
    Task<int?> CleanUpAsync(DateTimeOffset before, TimeSpan every, CancellationToken cancellationToken);
}
