using System.Text.Json.Serialization.Metadata;

namespace Portico.Configuration;

/// <summary>
/// One kind of item in the registry (backends, routes, and later consumers, plans, policies): its member name
/// in the file, its partition in Table storage, and how items are read from and written into a document.
/// Stores, diff and import work over <see cref="All"/>, so a new kind is one line here.
/// </summary>
public abstract class RegistrySection
{
    /// <summary>Every section, in dependency order (what others reference comes first).</summary>
    public static readonly IReadOnlyList<RegistrySection> All =
    [
        new RegistrySection<BackendDefinition>("backend", "backends", d => d.Backends, (d, v) => d with { Backends = v }, b => b.Id, RegistryJsonContext.Default.BackendDefinition),
        new RegistrySection<RateLimitPolicyDefinition>("rateLimitPolicy", "rateLimitPolicies", d => d.RateLimitPolicies, (d, v) => d with { RateLimitPolicies = v }, p => p.Id, RegistryJsonContext.Default.RateLimitPolicyDefinition),
        new RegistrySection<PlanDefinition>("plan", "plans", d => d.Plans, (d, v) => d with { Plans = v }, p => p.Id, RegistryJsonContext.Default.PlanDefinition),
        new RegistrySection<RouteDefinition>("route", "routes", d => d.Routes, (d, v) => d with { Routes = v }, r => r.Id, RegistryJsonContext.Default.RouteDefinition),
        new RegistrySection<ConsumerDefinition>("consumer", "consumers", d => d.Consumers, (d, v) => d with { Consumers = v }, c => c.Id, RegistryJsonContext.Default.ConsumerDefinition),
        new RegistrySection<AuthPolicyDefinition>("authPolicy", "authPolicies", d => d.AuthPolicies, (d, v) => d with { AuthPolicies = v }, p => p.Id, RegistryJsonContext.Default.AuthPolicyDefinition),
        new RegistrySection<ApiKeyDefinition>("apiKey", "apiKeys", d => d.ApiKeys, (d, v) => d with { ApiKeys = v }, k => k.Id, RegistryJsonContext.Default.ApiKeyDefinition),
    ];

    /// <summary>Singular name: the Table storage partition key and the word used in messages.</summary>
    public abstract string Kind { get; }

    /// <summary>The document member holding the items, for example <c>routes</c>.</summary>
    public abstract string Member { get; }

    /// <summary>
    /// The ids of the section's items, in document order: what the compiler checks at every load, without writing each
    /// item as JSON the way <see cref="Read"/> does.
    /// </summary>
    public abstract IReadOnlyList<string> Ids(RegistryDocument document);

    /// <summary>The section's items in canonical JSON, in document order.</summary>
    public abstract IReadOnlyList<RegistryItem> Read(RegistryDocument document);

    /// <summary>
    /// Parses stored items into the section of <paramref name="document"/>; an item that does not parse is
    /// reported with <paramref name="locate"/>'s location for its index and left out.
    /// </summary>
    public abstract RegistryDocument Write(RegistryDocument document, IReadOnlyList<RegistryItem> items, Func<int, string> locate, List<ConfigurationError> errors);

    /// <summary>Items of <paramref name="desired"/> replace or join those of <paramref name="current"/>; with <paramref name="prune"/> the others go.</summary>
    public abstract RegistryDocument Merge(RegistryDocument current, RegistryDocument desired, bool prune);
}
