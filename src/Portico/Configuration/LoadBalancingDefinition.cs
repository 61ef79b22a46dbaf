namespace Portico.Configuration;

/// <summary>How a backend with several destinations chooses one for each attempt (docs/discovery.md).</summary>
public sealed record LoadBalancingDefinition
{
    /// <summary>
    /// <c>powerOfTwoChoices</c> (default: the less busy of two random destinations), <c>roundRobin</c>,
    /// <c>weightedRandom</c>, <c>leastRequests</c> or <c>consistentHash</c>.
    /// </summary>
    public string? Policy { get; init; }

    /// <summary>With <c>consistentHash</c>: the key, <c>clientIp</c> (default), <c>header</c> or <c>consumer</c>.</summary>
    public string? HashOn { get; init; }

    /// <summary>With <c>hashOn: header</c>: the request header whose value is the key.</summary>
    public string? Header { get; init; }
}
