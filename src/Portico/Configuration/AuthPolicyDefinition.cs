namespace Portico.Configuration;

/// <summary>
/// A named authentication policy that routes refer to with <c>auth</c>. <see cref="Type"/> says which of the
/// settings objects applies; <c>anonymous</c> is built in and needs no definition.
/// </summary>
public sealed record AuthPolicyDefinition
{
    /// <summary>Unique id, referenced by routes' <c>auth</c>. <c>anonymous</c> is reserved.</summary>
    public required string Id { get; init; }

    /// <summary><c>apiKey</c>, <c>jwt</c>, <c>introspection</c>, <c>mtls</c>, <c>anyOf</c> or <c>allOf</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Settings of an <c>apiKey</c> policy.</summary>
    public ApiKeyPolicyDefinition? ApiKey { get; init; }

    /// <summary>Settings of a <c>jwt</c> policy.</summary>
    public JwtPolicyDefinition? Jwt { get; init; }

    /// <summary>Settings of an <c>introspection</c> policy.</summary>
    public IntrospectionPolicyDefinition? Introspection { get; init; }

    /// <summary>Settings of an <c>mtls</c> policy.</summary>
    public MtlsPolicyDefinition? Mtls { get; init; }

    /// <summary>For <c>anyOf</c> and <c>allOf</c>: the ids of the policies combined, tried in this order.</summary>
    public IReadOnlyList<string>? Policies { get; init; }
}
