namespace Portico.Configuration;

/// <summary>One instance of a backend: where it listens, its share of the traffic and what else is known about it.</summary>
public sealed record DestinationDefinition
{
    /// <summary>Absolute http or https URL without query, fragment or credentials; a path here prefixes every upstream path.</summary>
    public required string Url { get; init; }

    /// <summary>Relative share of the traffic, 1 to 1000. Default 1.</summary>
    public int? Weight { get; init; }

    /// <summary>Free-form facts about the destination (such as <c>zone</c>), shown by the admin view.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
