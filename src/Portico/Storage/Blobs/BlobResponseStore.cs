using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Portico.Caching;

namespace Portico.Storage.Blobs;

/// <summary>
/// The shared response cache (L2) in one Blob container (docs/caching.md): one block blob per stored variant, named
/// <c>{url hash}/{variant hash}</c>, in <see cref="SharedEntryFormat"/>. The container is created by the deployment
/// (infra/) and, for Azurite, on first write.
/// </summary>
public sealed class BlobResponseStore : ISharedResponseStore
{
    private readonly BlobContainerClient _container;
    private int _created;

    /// <summary>Opens the store over <paramref name="service"/>.</summary>
    public BlobResponseStore(BlobServiceClient service, string containerName)
    {
        _container = service.GetBlobContainerClient(containerName);
        Description = $"blob container {containerName}";
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string name, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            var content = result.Value.Content;
            return content.ToMemory().Length > maxBytes ? null : content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // no such blob, or no container yet
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(new BinaryData(content), overwrite: true, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && Volatile.Read(ref _created) == 0)
        {
            await _container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
            Volatile.Write(ref _created, 1);
            await blob.UploadAsync(new BinaryData(content), overwrite: true, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container: nothing to delete.
        }
    }

    /// <inheritdoc />
    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                await _container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container: nothing to delete.
        }
    }
}
