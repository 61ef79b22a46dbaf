namespace Portico.Configuration;

/// <summary>A backend's circuit breaker: opens when too many calls fail, answers 503 while open, then tries again.</summary>
public sealed record CircuitBreakerDefinition
{
    /// <summary>Whether the breaker is on. Default true.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Fraction of failed calls in the sampling window that opens the breaker, above 0 and at most 1. Default 0.5.</summary>
    public double? FailureRatio { get; init; }

    /// <summary>Calls the window must hold before the ratio is judged, at least 2. Default 20.</summary>
    public int? MinimumThroughput { get; init; }

    /// <summary>The window over which the failure ratio is measured, such as <c>30s</c>. Default 30s.</summary>
    public string? SamplingDuration { get; init; }

    /// <summary>How long the breaker stays open before a trial call, such as <c>15s</c>. Default 15s.</summary>
    public string? BreakDuration { get; init; }

    /// <summary>Backend statuses that count as failures. Default 500, 502, 503, 504.</summary>
    public IReadOnlyList<int>? FailureStatusCodes { get; init; }

    /// <summary>In Table mode, whether opening and closing is shared with the other instances. Default true.</summary>
    public bool? Shared { get; init; }
}
