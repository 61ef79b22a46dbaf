namespace Portico.Configuration;

/// <summary>What an authenticated caller must hold to use a route, checked after authentication.</summary>
public sealed record AuthorizationDefinition
{
    /// <summary>Required scopes.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Required roles.</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>Required claim values: the claim must hold one of the listed values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Claims { get; init; }

    /// <summary><c>allOf</c> (default): every requirement must hold; <c>anyOf</c>: at least one.</summary>
    public string? Require { get; init; }
}
