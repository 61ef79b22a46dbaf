using System.Text.Json.Serialization;

namespace Portico.Configuration;

/// <summary>
/// The whole registry as one document: the declarative file's root object, and what every store
/// loads, imports and exports. Later sections (consumers, plans, policies) are added here.
/// </summary>
public sealed record RegistryDocument
{
    /// <summary>Optional JSON Schema reference kept so editors validate the file; ignored by Portico.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>The upstream services routes forward to.</summary>
    public IReadOnlyList<BackendDefinition> Backends { get; init; } = [];

    /// <summary>The routes, in any order: precedence decides which one matches.</summary>
    public IReadOnlyList<RouteDefinition> Routes { get; init; } = [];
}
