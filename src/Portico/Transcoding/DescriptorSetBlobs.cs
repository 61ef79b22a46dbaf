using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Storage.Blobs;

namespace Portico.Transcoding;

/// <summary>
/// Reads the descriptor sets routes name by <c>descriptorSetBlob</c> from the gateway's own Blob container
/// (<see cref="DescriptorSetBlobOptions"/>; issue 18): once per registry load, never per request, each read bounded
/// by <see cref="DescriptorSetBlobOptions.MaxSize"/> and the caller's deadline. A failure is a reason, not an
/// exception, so the compiler reports it as a configuration error naming the route and the blob.
/// </summary>
internal sealed class DescriptorSetBlobs(IOptions<PorticoOptions> options)
{
    // Typed object, not BlobContainerClient: a field (or a generic argument) of the SDK's type loads Azure.Storage.Blobs
    // when the engine is built, even on a gateway whose routes never name a blob (issue 25's start-up work).
    private readonly Lazy<(object? Container, string? Problem)> _container = new(() => CreateContainer(options.Value));

    /// <summary>The settings: the account, container, size limit and deadline.</summary>
    public DescriptorSetBlobOptions Options => options.Value.Transcoding.DescriptorSets;

    /// <summary>The bytes of blob <paramref name="name"/>, or why they cannot be read.</summary>
    public async Task<(byte[]? Bytes, string? Error)> ReadAsync(string name, CancellationToken token)
    {
        var (client, problem) = _container.Value;
        if (client is not BlobContainerClient container)
        {
            return (null, problem);
        }

        var at = $"blob '{name}' in container '{container.Name}'";
        if (name.Length is 0 or > 1024)
        {
            return (null, $"'{name}' is not a blob name (1 to 1024 characters)");
        }

        try
        {
            var download = await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: token);
            using var content = download.Value;
            var max = Options.MaxSize;
            if (content.Details.ContentLength > max)
            {
                return (null, $"{at} is {content.Details.ContentLength} bytes, more than the limit of {max}");
            }

            // The declared length is checked above; the read is bounded again in case the stream runs longer.
            using var buffer = new MemoryStream((int)Math.Max(0, content.Details.ContentLength));
            var chunk = new byte[81920];
            int read;
            while ((read = await content.Content.ReadAsync(chunk, token)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return (null, $"{at} is more than the limit of {max} bytes");
                }

                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, $"{at} does not exist");
        }
        catch (RequestFailedException ex)
        {
            return (null, $"{at} cannot be read (status {ex.Status}, {ex.ErrorCode ?? "no error code"})");
        }
        catch (AuthenticationFailedException)
        {
            return (null, $"{at} cannot be read: the gateway's identity has no token for Blob storage");
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (null, $"{at}: no answer within {Options.Timeout.TotalSeconds:0.#} s");
        }
        catch (IOException ex)
        {
            return (null, $"{at} cannot be read ({ex.GetType().Name})");
        }
    }

    private static (object?, string?) CreateContainer(PorticoOptions options)
    {
        var own = options.Transcoding.DescriptorSets;
        var cache = options.Caching.Blob;
        // The cache's account serves too when no account of its own is set: one Blob account per gateway is usual.
        var (target, clientId) = !string.IsNullOrWhiteSpace(own.ServiceUri) ? (own.ServiceUri, own.ClientId)
            : !string.IsNullOrWhiteSpace(own.ConnectionString) ? (own.ConnectionString, own.ClientId)
            : cache.IsConfigured ? (cache.Target, cache.ClientId)
            : (null, null);
        if (target is null)
        {
            return (null, "no Blob storage is configured for descriptor sets (set Portico:Transcoding:DescriptorSets:ServiceUri, or ConnectionString for Azurite)");
        }

        try
        {
            return (BlobStorage.CreateServiceClient(target, clientId, own.Timeout).GetBlobContainerClient(own.Container), null);
        }
        catch (ArgumentException)
        {
            // Never echo the value: a connection string carries the account key.
            return (null, "the Blob storage setting for descriptor sets is neither an https endpoint nor a valid connection string");
        }
    }
}
