using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Configuration;

/// <summary>The published JSON Schema describes exactly the fields Portico reads: no more, no fewer.</summary>
public sealed class RegistrySchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Repository.Path("schema", "portico.schema.json"))).RootElement;

    public static TheoryData<string, string> Objects => new()
    {
        { "#", nameof(RegistryDocument) },
        { "backend", nameof(BackendDefinition) },
        { "route", nameof(RouteDefinition) },
        { "match", nameof(RouteMatchDefinition) },
        { "rewrite", nameof(PathRewriteDefinition) },
        { "static", nameof(StaticResponseDefinition) },
        { "consumer", nameof(ConsumerDefinition) },
        { "rateLimitPolicy", nameof(RateLimitPolicyDefinition) },
        { "rate", nameof(RateDefinition) },
        { "quota", nameof(QuotaDefinition) },
        { "lease", nameof(LeaseDefinition) },
        { "plan", nameof(PlanDefinition) },
        { "routeRateLimit", nameof(RouteRateLimitDefinition) },
        { "backendResilience", nameof(BackendResilienceDefinition) },
        { "circuitBreaker", nameof(CircuitBreakerDefinition) },
        { "bulkhead", nameof(BulkheadDefinition) },
        { "retryBudget", nameof(RetryBudgetDefinition) },
        { "routeResilience", nameof(RouteResilienceDefinition) },
        { "retry", nameof(RetryDefinition) },
        { "fallback", nameof(FallbackDefinition) },
        { "authPolicy", nameof(AuthPolicyDefinition) },
        { "apiKeyPolicy", nameof(ApiKeyPolicyDefinition) },
        { "jwtPolicy", nameof(JwtPolicyDefinition) },
        { "jwtIssuer", nameof(JwtIssuerDefinition) },
        { "introspectionPolicy", nameof(IntrospectionPolicyDefinition) },
        { "mtlsPolicy", nameof(MtlsPolicyDefinition) },
        { "authorization", nameof(AuthorizationDefinition) },
        { "apiKey", nameof(ApiKeyDefinition) },
        { "aggregate", nameof(AggregateDefinition) },
        { "aggregatePart", nameof(AggregatePartDefinition) },
        { "graphql", nameof(GraphQLDefinition) },
        { "graphqlSubgraph", nameof(GraphQLSubgraphDefinition) },
        { "graphqlRestField", nameof(GraphQLRestFieldDefinition) },
        { "graphqlPersistedQueries", nameof(GraphQLPersistedQueriesDefinition) },
        { "cache", nameof(CacheDefinition) },
        { "cors", nameof(CorsDefinition) },
        { "securityHeaders", nameof(SecurityHeadersDefinition) },
        { "validation", nameof(ValidationDefinition) },
        { "openApiReference", nameof(OpenApiReferenceDefinition) },
        { "parameterRule", nameof(ParameterRuleDefinition) },
        { "bodyValidation", nameof(BodyValidationDefinition) },
        { "waf", nameof(WafDefinition) },
        { "wafExclusion", nameof(WafExclusionDefinition) },
        { "destination", nameof(DestinationDefinition) },
        { "loadBalancing", nameof(LoadBalancingDefinition) },
        { "backendHealth", nameof(BackendHealthDefinition) },
        { "passiveHealth", nameof(PassiveHealthDefinition) },
        { "webPubSub", nameof(WebPubSubDefinition) },
        { "webPubSubEvent", nameof(WebPubSubEventDefinition) },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void Schema_ObjectProperties_MatchTheSerializedModel(string definition, string typeName)
    {
        var type = typeof(RegistryDocument).Assembly.GetType("Portico.Configuration." + typeName)!;
        var typeInfo = RegistrySerializer.Types.GetTypeInfo(type)!;
        var modelProperties = typeInfo.Properties.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var node = definition == "#" ? Schema : Schema.GetProperty("$defs").GetProperty(definition);
        var schemaProperties = node.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(modelProperties, schemaProperties);
        Assert.False(node.GetProperty("additionalProperties").GetBoolean());
        var required = node.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()).ToHashSet() : [];
        foreach (var property in typeInfo.Properties)
        {
            Assert.True(property.IsRequired == required.Contains(property.Name), $"{typeName}.{property.Name}: required in model {property.IsRequired}, in schema {required.Contains(property.Name)}");
        }
    }
}
