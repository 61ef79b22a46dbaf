namespace Portico.Configuration;

/// <summary>
/// An API key as stored: its non-secret id (the lookup prefix), its consumer and the SHA-256 hash of the key.
/// The key itself is shown once by <c>portico keys create</c> and stored nowhere.
/// </summary>
public sealed record ApiKeyDefinition
{
    /// <summary>The key id: the non-secret part of the key between <c>pk_</c> and the second <c>_</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The consumer the key belongs to.</summary>
    public required string Consumer { get; init; }

    /// <summary>Lowercase hex SHA-256 of the whole key.</summary>
    public required string Hash { get; init; }

    /// <summary><c>active</c> (default) or <c>revoked</c>.</summary>
    public string? Status { get; init; }

    /// <summary>When the key was created (ISO 8601), for operators.</summary>
    public string? Created { get; init; }
}
