namespace Portico.Configuration;

/// <summary>
/// A client of the gateway: what authenticated callers are mapped to, what rate-limit plans attach to, and
/// what API keys belong to.
/// </summary>
public sealed record ConsumerDefinition
{
    /// <summary>Unique id; sent upstream as the consumer id.</summary>
    public required string Id { get; init; }

    /// <summary>A human name for logs and the dashboard.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The id of the consumer's plan (tier), if any.</summary>
    public string? Plan { get; init; }

    /// <summary><c>active</c> (default) or <c>disabled</c>; a disabled consumer is refused as unauthenticated.</summary>
    public string? Status { get; init; }

    /// <summary>Free-form labels (team, contact, billing id).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
