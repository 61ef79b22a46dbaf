namespace Portico.Auth;

/// <summary>What an RFC 7662 introspection response said about a token (only its non-secret members).</summary>
internal sealed class IntrospectionResult
{
    public static readonly IntrospectionResult Inactive = new() { Active = false };

    public bool Active { get; init; }

    public string? Subject { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>Every string, number or boolean member, and string arrays, by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Claims { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
