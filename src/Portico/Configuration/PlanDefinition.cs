namespace Portico.Configuration;

/// <summary>A tier (free, pro, enterprise, …): the rate-limit policies that apply to the consumers on it.</summary>
public sealed record PlanDefinition
{
    /// <summary>Unique id, referenced by consumers' <c>plan</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A human name for logs and dashboards.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Ids of the rate-limit policies applied to every request of the plan's consumers.</summary>
    public required IReadOnlyList<string> Policies { get; init; }
}
