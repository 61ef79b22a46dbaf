namespace Portico.Configuration;

/// <summary>
/// What answers when a proxy route's backend fails after retries (unreachable, timed out, circuit open, bulkhead
/// full, or a status in <see cref="StatusCodes"/>). Exactly one of <see cref="Static"/> or <see cref="Backend"/>.
/// </summary>
public sealed record FallbackDefinition
{
    /// <summary>A fixed response.</summary>
    public StaticResponseDefinition? Static { get; init; }

    /// <summary>Id of another backend that receives the same request.</summary>
    public string? Backend { get; init; }

    /// <summary>Backend statuses that trigger the fallback. Default 502, 503, 504.</summary>
    public IReadOnlyList<int>? StatusCodes { get; init; }
}
