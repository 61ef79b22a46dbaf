namespace Portico.RateLimiting;

/// <summary>
/// The counter store of a gateway without storage: <see cref="IsConfigured"/> is false, so shared policies count
/// locally and nothing calls the rest (a call is a bug and throws). A type of its own rather than the Table store
/// without a table, so a gateway without storage never loads the Azure SDK (issue 25, start-up).
/// </summary>
internal sealed class UnconfiguredRateCounterStore : IRateCounterStore
{
    /// <summary>The one instance.</summary>
    public static readonly UnconfiguredRateCounterStore Instance = new();

    private UnconfiguredRateCounterStore()
    {
    }

    /// <inheritdoc/>
    public bool IsConfigured => false;

    /// <inheritdoc/>
    public Task<StoreResult> ReadAsync(string keyHash, string policyId) => throw NotConfigured();

    /// <inheritdoc/>
    public Task<StoreResult> WriteAsync(string keyHash, string policyId, CounterValues values, string? version) => throw NotConfigured();

    /// <inheritdoc/>
    public Task<int?> HeartbeatAsync(string instanceId, TimeSpan window) => throw NotConfigured();

    /// <inheritdoc/>
    public Task LeaveAsync(string instanceId) => throw NotConfigured();

    /// <inheritdoc/>
    public Task<int?> CleanUpAsync(DateTimeOffset before, TimeSpan every, CancellationToken cancellationToken) => throw NotConfigured();

    private static InvalidOperationException NotConfigured() =>
        new("no storage is configured for shared rate-limit counters; callers check IsConfigured first");
}
