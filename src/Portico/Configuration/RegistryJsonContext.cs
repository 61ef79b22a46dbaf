using System.Text.Json.Serialization;

namespace Portico.Configuration;

/// <summary>
/// Source-generated serializer for the registry. Unknown members are errors, so a typo in a field
/// name is reported instead of silently ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(StringListConverter)],
    WriteIndented = true)]
[JsonSerializable(typeof(RegistryDocument))]
[JsonSerializable(typeof(BackendDefinition))]
[JsonSerializable(typeof(RouteDefinition))]
[JsonSerializable(typeof(ConsumerDefinition))]
[JsonSerializable(typeof(RateLimitPolicyDefinition))]
[JsonSerializable(typeof(PlanDefinition))]
[JsonSerializable(typeof(BackendResilienceDefinition))]
[JsonSerializable(typeof(RouteResilienceDefinition))]
[JsonSerializable(typeof(AuthPolicyDefinition))]
[JsonSerializable(typeof(ApiKeyDefinition))]
[JsonSerializable(typeof(AggregateDefinition))]
[JsonSerializable(typeof(AggregatePartDefinition))]
[JsonSerializable(typeof(PassiveHealthDefinition))]
[JsonSerializable(typeof(ActiveHealthDefinition))]
[JsonSerializable(typeof(DiscoveryDefinition))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext
{
}
