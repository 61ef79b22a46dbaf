namespace Portico.Configuration;

/// <summary>A route's rate limits: policies added on the route, and per-plan overrides of the plans' own policies.</summary>
public sealed record RouteRateLimitDefinition
{
    /// <summary>Policies applied to every request on the route, in addition to the consumer's plan.</summary>
    public IReadOnlyList<string>? Policies { get; init; }

    /// <summary>Per plan id, the policies used on this route instead of the plan's own (an empty list exempts the plan).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Plans { get; init; }
}
