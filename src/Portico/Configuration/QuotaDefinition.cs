namespace Portico.Configuration;

/// <summary>A quota: at most <see cref="Limit"/> requests per calendar window (UTC).</summary>
public sealed record QuotaDefinition
{
    /// <summary>Requests allowed per window.</summary>
    public required long Limit { get; init; }

    /// <summary>The calendar window in UTC: <c>hour</c>, <c>day</c> or <c>month</c>.</summary>
    public required string Period { get; init; }
}
