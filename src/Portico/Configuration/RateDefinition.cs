namespace Portico.Configuration;

/// <summary>A steady rate with a burst allowance: a token bucket holding <see cref="Burst"/> tokens, refilled at <see cref="Requests"/> per <see cref="Per"/>.</summary>
public sealed record RateDefinition
{
    /// <summary>Requests allowed per <see cref="Per"/> in the long run.</summary>
    public required int Requests { get; init; }

    /// <summary>The period of <see cref="Requests"/>, as a duration such as <c>1s</c> or <c>1m</c>.</summary>
    public required string Per { get; init; }

    /// <summary>How many requests may arrive at once after a quiet period. Default <see cref="Requests"/>.</summary>
    public int? Burst { get; init; }
}
