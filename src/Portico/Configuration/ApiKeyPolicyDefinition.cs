namespace Portico.Configuration;

/// <summary>Where an <c>apiKey</c> policy reads the key.</summary>
public sealed record ApiKeyPolicyDefinition
{
    /// <summary>The request header carrying the key. Default <c>X-Api-Key</c>.</summary>
    public string? Header { get; init; }

    /// <summary>The query parameter carrying the key, read only on routes with <c>apiKeyInQuery</c>. Default <c>api_key</c>.</summary>
    public string? QueryParameter { get; init; }
}
