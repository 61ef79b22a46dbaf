using Portico.Resilience.Retries;

namespace Portico.Resilience;

/// <summary>A backend's validated resilience settings, defaults applied.</summary>
internal sealed record BackendResilienceSettings
{
    public bool BreakerEnabled { get; init; } = true;
    public double FailureRatio { get; init; } = ResilienceDefaults.FailureRatio;
    public int MinimumThroughput { get; init; } = ResilienceDefaults.MinimumThroughput;
    public TimeSpan SamplingDuration { get; init; } = ResilienceDefaults.SamplingDuration;
    public TimeSpan BreakDuration { get; init; } = ResilienceDefaults.BreakDuration;
    public required StatusCodeSet FailureStatusCodes { get; init; }
    public bool Shared { get; init; } = true;
    public int MaxConcurrency { get; init; } = ResilienceDefaults.MaxConcurrency;
    public int QueueLimit { get; init; } = ResilienceDefaults.QueueLimit;
    public double BudgetRatio { get; init; } = ResilienceDefaults.BudgetRatio;
    public double BudgetMinRetriesPerSecond { get; init; } = ResilienceDefaults.BudgetMinRetriesPerSecond;
}
