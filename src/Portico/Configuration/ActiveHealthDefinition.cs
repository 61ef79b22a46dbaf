namespace Portico.Configuration;

/// <summary>
/// Active health checks: the gateway calls a health path on each destination on an interval and stops choosing one
/// that fails <see cref="UnhealthyThreshold"/> probes in a row, until it passes <see cref="HealthyThreshold"/> in a
/// row. Every field but <see cref="Path"/> is optional; docs/discovery.md lists the defaults.
/// </summary>
public sealed record ActiveHealthDefinition
{
    /// <summary>Whether probes run. Default true when the object is present.</summary>
    public bool? Enabled { get; init; }

    /// <summary>The path (and query) probed on each destination, starting with <c>/</c>; appended to the destination's URL as an upstream path is.</summary>
    public string? Path { get; init; }

    /// <summary>Time between two probes of one destination, 1s to 1h. Default 10s.</summary>
    public string? Interval { get; init; }

    /// <summary>How long one probe may take (connecting included) before it counts as failed, 100ms to the interval. Default 2s.</summary>
    public string? Timeout { get; init; }

    /// <summary>Passed probes in a row that bring an unhealthy destination back, 1 to 100. Default 2.</summary>
    public int? HealthyThreshold { get; init; }

    /// <summary>Failed probes in a row that take a destination out, 1 to 100. Default 3.</summary>
    public int? UnhealthyThreshold { get; init; }

    /// <summary>Statuses that pass, 100 to 599. Default any 2xx.</summary>
    public IReadOnlyList<int>? ExpectedStatuses { get; init; }
}
