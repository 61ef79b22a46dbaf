namespace Portico.Configuration;

/// <summary>
/// A composite route's target: several backend calls (parts) made for one client request, in parallel where
/// they do not depend on each other, merged into one JSON answer (docs/aggregation.md).
/// </summary>
public sealed record AggregateDefinition
{
    /// <summary>The backend calls, in the order their members appear in the merged answer.</summary>
    public required IReadOnlyList<AggregatePartDefinition> Parts { get; init; }

    /// <summary>
    /// The deadline of the whole fan-out, as a duration such as <c>2s</c>. Optional parts still running when it
    /// passes are dropped (partial answer); a missing required part makes the answer 504. Default 30s, at most 225s.
    /// </summary>
    public string? Timeout { get; init; }

    /// <summary>How many parts of one request may call their backends at the same time. Default 8, 1 to 64.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Largest merged answer in bytes; the part whose data would cross it fails. Default 4 MiB.</summary>
    public long? MaxResponseSize { get; init; }
}
