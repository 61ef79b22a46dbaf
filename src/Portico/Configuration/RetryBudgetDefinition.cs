namespace Portico.Configuration;

/// <summary>
/// A backend's retry budget, so retries never multiply an outage: each request earns <see cref="Ratio"/> of a retry,
/// and a small allowance refilled over time lets quiet backends retry too.
/// </summary>
public sealed record RetryBudgetDefinition
{
    /// <summary>Retries allowed per request, from 0 to 1. Default 0.2 (at most one retry per five requests).</summary>
    public double? Ratio { get; init; }

    /// <summary>Retries allowed per second whatever the traffic, from 0 to 100. Default 1.</summary>
    public double? MinRetriesPerSecond { get; init; }
}
