namespace Portico.Configuration;

/// <summary>One registration key of a backend, as stored: the key's id and the SHA-256 of the whole key (never the key).</summary>
public sealed record RegistrationKeyDefinition
{
    /// <summary>The key's id (the part of the key after its prefix that names it, as <c>portico admin key create</c> prints it).</summary>
    public required string Id { get; init; }

    /// <summary>Lower-case hex SHA-256 of the key.</summary>
    public required string Hash { get; init; }
}
