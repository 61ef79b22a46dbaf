namespace Portico.Configuration;

/// <summary>An <c>introspection</c> policy: opaque bearer tokens checked with the issuer's RFC 7662 endpoint.</summary>
public sealed record IntrospectionPolicyDefinition
{
    /// <summary>The introspection endpoint URL.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The gateway's client id at the authorization server.</summary>
    public required string ClientId { get; init; }

    /// <summary>
    /// Name of the gateway setting (app setting or environment variable) holding the client secret; the registry
    /// never holds the secret itself. In Azure the setting can be a Key Vault reference.
    /// </summary>
    public required string ClientSecretSetting { get; init; }

    /// <summary>Longest an active result is reused (it is never reused past its <c>exp</c>). Default <c>5m</c>.</summary>
    public string? CacheDuration { get; init; }

    /// <summary>How long an inactive result is reused. Default <c>10s</c>.</summary>
    public string? InactiveCacheDuration { get; init; }

    /// <summary>Longest wait for the endpoint. Default <c>5s</c>.</summary>
    public string? Timeout { get; init; }

    /// <summary>Status answered when the endpoint cannot be reached: 503 (default) or 401.</summary>
    public int? UnavailableStatus { get; init; }

    /// <summary>Accepted <c>aud</c> values; not checked when absent.</summary>
    public IReadOnlyList<string>? Audiences { get; init; }

    /// <summary>Response member naming the registry consumer. Default <c>client_id</c>.</summary>
    public string? ConsumerClaim { get; init; }

    /// <summary>Maximum token length in characters. Default 4096.</summary>
    public int? MaxTokenSize { get; init; }

    /// <summary>Whether the endpoint must use https. Default true.</summary>
    public bool? RequireHttps { get; init; }
}
