namespace Portico.Configuration;

/// <summary>
/// Per-backend resilience: the circuit breaker, the bulkhead and the retry budget are shared by every route that
/// calls the backend. Every field is optional; docs/configuration.md lists the defaults.
/// </summary>
public sealed record BackendResilienceDefinition
{
    /// <summary>When the backend is failing, stop calling it for a while.</summary>
    public CircuitBreakerDefinition? CircuitBreaker { get; init; }

    /// <summary>How many requests may be in flight to the backend at once, and how many may wait.</summary>
    public BulkheadDefinition? Bulkhead { get; init; }

    /// <summary>How many retries the backend may receive, relative to requests.</summary>
    public RetryBudgetDefinition? RetryBudget { get; init; }
}
