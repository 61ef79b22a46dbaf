namespace Portico.Configuration;

/// <summary>The request properties a route matches on.</summary>
public sealed record RouteMatchDefinition
{
    /// <summary>
    /// An ASP.NET Core route template, for example <c>/api/users/{id:int}</c> or <c>/files/{**rest}</c>.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>HTTP methods matched (case-insensitive); every method when absent.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>Host names matched, optionally with a port or a leading <c>*.</c> wildcard; every host when absent.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>Breaks ties between equally specific templates: the higher priority wins. Default 0.</summary>
    public int? Priority { get; init; }
}
