namespace Portico.Validation;

/// <summary>The compiled rules one request is checked against (a route's, or one method's of an OpenAPI-backed route).</summary>
internal sealed class ValidationRules
{
    /// <summary>Default <see cref="MaxViolations"/>.</summary>
    public const int DefaultMaxViolations = 20;

    /// <summary>Largest <see cref="MaxViolations"/> a route may set.</summary>
    public const int MaxMaxViolations = 100;

    /// <summary>Rules of path parameters.</summary>
    public required ParameterRule[] Path { get; init; }

    /// <summary>Rules of query parameters.</summary>
    public required ParameterRule[] Query { get; init; }

    /// <summary>Media types a body may have; null for any.</summary>
    public MediaTypeList? MediaTypes { get; init; }

    /// <summary>The JSON body rule, applied to JSON bodies; null when bodies are not read.</summary>
    public BodyRule? Body { get; init; }

    /// <summary>Whether a request must carry a body.</summary>
    public bool BodyRequired { get; init; }

    /// <summary>Most violations listed in one answer.</summary>
    public int MaxViolations { get; init; } = DefaultMaxViolations;
}
