namespace Portico.Caching;

/// <summary>
/// The shared second-level store (Blob storage: <c>Storage/Blobs/BlobResponseStore</c>): serialized entries by
/// name, so a new or scaled-out instance starts warm. Names are <c>{url hash}/{variant hash}</c>, so every entry of a
/// URL shares a prefix.
/// </summary>
public interface ISharedResponseStore
{
    /// <summary>For logs: where the entries live (never a connection string).</summary>
    string Description { get; }

    /// <summary>The entry named <paramref name="name"/>, or null when there is none.</summary>
    Task<byte[]?> GetAsync(string name, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Writes (or replaces) the entry named <paramref name="name"/>.</summary>
    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Deletes the entry named <paramref name="name"/>, if present.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Deletes every entry whose name starts with <paramref name="prefix"/>.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken);
}
