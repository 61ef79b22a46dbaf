using System.Text.Json.Serialization;

namespace Portico.Storage.Tables;

/// <summary>Source-generated serializer for a registered instance's metadata as <see cref="TableInstanceStore"/> stores it.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class InstanceJsonContext : JsonSerializerContext
{
}
