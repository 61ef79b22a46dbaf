using Portico.Configuration;

namespace Portico.Auth;

/// <summary>
/// API keys issued outside the registry file (Table mode): looked up by id on the request path (behind
/// <see cref="ApiKeyLookup"/>'s cache) and managed by <c>portico keys</c>. Keys are stored only as hashes.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>For logs: where the keys live (never a connection string).</summary>
    string Description { get; }

    /// <summary>The key with id <paramref name="id"/>, or null.</summary>
    Task<ApiKeyDefinition?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Stores a new key; false when the id is taken.</summary>
    Task<bool> CreateAsync(ApiKeyDefinition key, CancellationToken cancellationToken);

    /// <summary>Every key, or those of one consumer.</summary>
    Task<List<ApiKeyDefinition>> ListAsync(string? consumer, CancellationToken cancellationToken);

    /// <summary>Marks a key revoked; false when there is no such key.</summary>
    Task<bool> RevokeAsync(string id, CancellationToken cancellationToken);
}
