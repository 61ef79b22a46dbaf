namespace Portico.Configuration;

/// <summary>What one path or query parameter must be. Every check applies to the decoded value.</summary>
public sealed record ParameterRuleDefinition
{
    /// <summary><c>string</c> (default), <c>integer</c>, <c>number</c> or <c>boolean</c> (<c>true</c>/<c>false</c>).</summary>
    public string? Type { get; init; }

    /// <summary>Whether the parameter must be present (query parameters; path parameters always are). Default false.</summary>
    public bool? Required { get; init; }

    /// <summary>Whether a query parameter may appear more than once (each value is checked). Default false.</summary>
    public bool? Repeated { get; init; }

    /// <summary>A regular expression the value must contain a match of (anchor it with <c>^…$</c>); matched in linear time.</summary>
    public string? Pattern { get; init; }

    /// <summary>The only values accepted, compared exactly.</summary>
    public IReadOnlyList<string>? Enum { get; init; }

    /// <summary>Smallest number accepted (integer and number).</summary>
    public decimal? Minimum { get; init; }

    /// <summary>Largest number accepted (integer and number).</summary>
    public decimal? Maximum { get; init; }

    /// <summary>The value must be greater than this (integer and number).</summary>
    public decimal? ExclusiveMinimum { get; init; }

    /// <summary>The value must be less than this (integer and number).</summary>
    public decimal? ExclusiveMaximum { get; init; }

    /// <summary>Fewest characters accepted.</summary>
    public int? MinLength { get; init; }

    /// <summary>Most characters accepted.</summary>
    public int? MaxLength { get; init; }
}
