using System.Text.Json;

namespace Portico.Tests.Infrastructure;

/// <summary>Pieces of registry JSON for tests: escaped values (PEM, URLs) and the entries many tests repeat.</summary>
public static class RegistryJson
{
    /// <summary>A JSON string literal.</summary>
    public static string J(string value) => JsonSerializer.Serialize(value);

    /// <summary>An <c>apiKeys</c> entry: <paramref name="key"/> stored only as its hash, for <paramref name="consumer"/>.</summary>
    public static string ApiKey(string id, string consumer, string key, string extra = "") =>
        $$"""{ "id": {{J(id)}}, "consumer": {{J(consumer)}}, "hash": {{J(Portico.Auth.ApiKeyFormat.Hash(key))}}{{extra}} }""";
}
