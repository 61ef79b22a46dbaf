namespace Portico.Resilience;

/// <summary>Gateway-wide resilience settings (the per-backend and per-route ones live in the registry).</summary>
public sealed class ResilienceOptions
{
    /// <summary>
    /// Whether proxy routes run their resilience pipelines (timeouts, retries, circuit breakers, bulkheads,
    /// fallbacks). Default true; false forwards with the plain client, for comparison or an emergency.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>In Table mode, whether circuit state is shared between instances through Table storage. Default true.</summary>
    public bool ShareCircuitBreakers { get; set; } = true;

    /// <summary>The table holding shared circuit state. Default <c>PorticoCircuitBreakers</c>.</summary>
    public string CircuitBreakerTableName { get; set; } = Storage.Tables.TableCircuitBreakerStore.DefaultTableName;

    /// <summary>
    /// How often an instance reads the circuit state others recorded (1 s to 1 min). Default 4 s, so a circuit
    /// another instance opened is adopted within 5 s (one interval plus a storage round trip).
    /// </summary>
    public TimeSpan CircuitBreakerSyncInterval { get; set; } = TimeSpan.FromSeconds(4);
}
