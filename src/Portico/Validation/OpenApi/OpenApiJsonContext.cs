using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portico.Validation.OpenApi;

/// <summary>Source-generated serialization of the JSON built from OpenAPI documents.</summary>
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class OpenApiJsonContext : JsonSerializerContext
{
}
