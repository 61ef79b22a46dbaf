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
    public IReadOnlyList<BackendDefinition> Backends { get => _backends; init => _backends = value ?? []; }

    /// <summary>The routes, in any order: precedence decides which one matches.</summary>
    public IReadOnlyList<RouteDefinition> Routes { get => _routes; init => _routes = value ?? []; }

    /// <summary>The gateway's clients (consumers), referenced by API keys, plans and identity mapping.</summary>
    public IReadOnlyList<ConsumerDefinition> Consumers { get => _consumers; init => _consumers = value ?? []; }

    /// <summary>Named rate-limit policies, referenced by plans and routes.</summary>
    public IReadOnlyList<RateLimitPolicyDefinition> RateLimitPolicies { get => _rateLimitPolicies; init => _rateLimitPolicies = value ?? []; }

    /// <summary>Plans (tiers) of consumers: the policies that apply to each.</summary>
    public IReadOnlyList<PlanDefinition> Plans { get => _plans; init => _plans = value ?? []; }
    /// <summary>Named authentication policies, referenced by routes' <c>auth</c>.</summary>
    public IReadOnlyList<AuthPolicyDefinition> AuthPolicies { get => _authPolicies; init => _authPolicies = value ?? []; }

    /// <summary>Declared API keys (hashes only), the DB-less home of keys made by <c>portico keys create</c>.</summary>
    public IReadOnlyList<ApiKeyDefinition> ApiKeys { get => _apiKeys; init => _apiKeys = value ?? []; }

    // The source generator sets init-only members it did not find in the JSON to null; absent means empty.
    private readonly IReadOnlyList<BackendDefinition> _backends = [];
    private readonly IReadOnlyList<RouteDefinition> _routes = [];
    private readonly IReadOnlyList<ConsumerDefinition> _consumers = [];
    private readonly IReadOnlyList<RateLimitPolicyDefinition> _rateLimitPolicies = [];
    private readonly IReadOnlyList<PlanDefinition> _plans = [];
    private readonly IReadOnlyList<AuthPolicyDefinition> _authPolicies = [];
    private readonly IReadOnlyList<ApiKeyDefinition> _apiKeys = [];
}
