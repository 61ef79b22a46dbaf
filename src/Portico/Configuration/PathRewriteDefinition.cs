namespace Portico.Configuration;

/// <summary>How the request path becomes the upstream path. At most one member is set.</summary>
public sealed record PathRewriteDefinition
{
    /// <summary>A literal prefix removed from the request path, for example <c>/api</c>.</summary>
    public string? StripPrefix { get; init; }

    /// <summary>
    /// A template for the upstream path whose parameters come from the matched route values,
    /// for example <c>/v2/users/{id}</c>.
    /// </summary>
    public string? Path { get; init; }
}
