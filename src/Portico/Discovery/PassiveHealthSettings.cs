using Portico.Resilience.Retries;

namespace Portico.Discovery;

/// <summary>Compiled outlier detection of one backend (see <see cref="Configuration.PassiveHealthDefinition"/> for each field).</summary>
internal sealed record PassiveHealthSettings
{
    public int ConsecutiveFailures { get; init; } = 5;

    public double FailureRatio { get; init; } = 0.5;

    public int MinimumRequests { get; init; } = 20;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxEjectionTime { get; init; } = TimeSpan.FromMinutes(5);

    public int MaxEjectedPercent { get; init; } = 50;

    public required StatusCodeSet FailureStatusCodes { get; init; }

    /// <summary>The settings as configured (canonical JSON): equal keys, equal settings, so health state may carry over a reload.</summary>
    public required string Key { get; init; }
}
