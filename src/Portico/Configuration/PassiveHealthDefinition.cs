namespace Portico.Configuration;

/// <summary>
/// Outlier detection: a destination that fails too often on live traffic is ejected (no longer picked) for a time
/// that grows each time it is ejected again. Every field is optional; docs/discovery.md lists the defaults.
/// </summary>
public sealed record PassiveHealthDefinition
{
    /// <summary>Whether outlier detection runs. Default true.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Failures in a row that eject a destination, 1 to 1000. Default 5.</summary>
    public int? ConsecutiveFailures { get; init; }

    /// <summary>Fraction of failed calls within <see cref="Interval"/> that ejects, above 0 and at most 1. Default 0.5.</summary>
    public double? FailureRatio { get; init; }

    /// <summary>Calls a destination must have within the interval before its ratio is judged, at least 2. Default 20.</summary>
    public int? MinimumRequests { get; init; }

    /// <summary>The window of the failure ratio, and how long a destination must stay well before its next ejection is shorter. Default 10s.</summary>
    public string? Interval { get; init; }

    /// <summary>The first ejection's length; the n-th lasts n times as long. Default 30s.</summary>
    public string? BaseEjectionTime { get; init; }

    /// <summary>The longest ejection. Default 5m.</summary>
    public string? MaxEjectionTime { get; init; }

    /// <summary>The most destinations ejected at once, in percent, 0 to 100; one may always be ejected. Default 50.</summary>
    public int? MaxEjectedPercent { get; init; }

    /// <summary>Backend statuses counted as failures. Default 502, 503, 504.</summary>
    public IReadOnlyList<int>? FailureStatusCodes { get; init; }
}
